package secret

import (
	"strings"
	"testing"
	"time"
)

func TestTimeOrderedIDsSortByTime(t *testing.T) {
	t0 := time.UnixMilli(1_764_000_000_000)
	var prev string
	seen := map[string]bool{}
	for i := range 2000 {
		id, err := TimeOrderedID(t0.Add(time.Duration(i/4)*time.Millisecond), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 26 || strings.Trim(id, sortableAlphabet) != "" {
			t.Fatalf("id %q: want 26 characters of %s", id, sortableAlphabet)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		// Ids of a later millisecond sort after every id of an earlier one.
		if i%4 == 0 && prev != "" && id <= prev {
			t.Fatalf("%q (ms %d) does not sort after %q", id, i/4, prev)
		}
		prev = id
	}
}
