package policy

import (
	"strconv"
	"strings"
	"sync"
)

// cache keeps compiled sets by their source, so that a request evaluates
// programs compiled when its workspace's settings were first used
// (settings are values re-read from the store, with no identity of
// their own to key on).
var cache struct {
	sync.Mutex
	sets map[string]*Set
}

// maxCached bounds the cache; settings changed often enough to pass it
// only cost a compile each after it is emptied.
const maxCached = 256

// Cached is Compile's set for rules, compiled once. Rules that do not
// compile were refused when the settings were validated; here they come
// back as the first error.
func Cached(rules []Rule, costLimit uint64) (*Set, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	key := fingerprint(rules, costLimit)
	cache.Lock()
	set, ok := cache.sets[key]
	cache.Unlock()
	if ok {
		return set, nil
	}
	set, errs := Compile(rules, costLimit)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	cache.Lock()
	defer cache.Unlock()
	if cache.sets == nil || len(cache.sets) >= maxCached {
		cache.sets = map[string]*Set{}
	}
	cache.sets[key] = set
	return set, nil
}

// fingerprint is rules and the limit as one unambiguous string: each
// field length-prefixed.
func fingerprint(rules []Rule, costLimit uint64) string {
	var b strings.Builder
	b.WriteString(strconv.FormatUint(costLimit, 10))
	for _, r := range rules {
		for _, f := range []string{r.Name, r.When, r.Expr, r.Message, r.Error} {
			b.WriteByte(';')
			b.WriteString(strconv.Itoa(len(f)))
			b.WriteByte(':')
			b.WriteString(f)
		}
	}
	return b.String()
}
