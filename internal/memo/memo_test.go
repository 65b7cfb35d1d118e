package memo

import "testing"

func TestBoundedNewestKept(t *testing.T) {
	m := New[int, string](4)
	for i := range 100 {
		m.Put(i, "v")
	}
	if n := m.Len(); n > 4 {
		t.Fatalf("holds %d entries, bound is 4", n)
	}
	if _, ok := m.Get(99); !ok {
		t.Fatal("the newest entry was evicted")
	}
	if _, ok := m.Get(0); ok {
		t.Fatal("the oldest entry survived 100 puts into 4 slots")
	}
}

// A hit in the previous generation is promoted, so an entry in use
// survives a generation change.
func TestHitPromoted(t *testing.T) {
	m := New[int, int](4) // two per generation
	m.Put(1, 1)
	m.Put(2, 2)
	m.Put(3, 3) // 1 and 2 become the old generation
	if v, ok := m.Get(1); !ok || v != 1 {
		t.Fatalf("Get(1) = %d, %v", v, ok)
	}
	m.Put(4, 4) // the current generation (3, 1) turns old; 2 is dropped
	if _, ok := m.Get(1); !ok {
		t.Fatal("a promoted entry was dropped at the next generation change")
	}
	if _, ok := m.Get(2); ok {
		t.Fatal("an entry unused for two generations survived")
	}
}

func TestNilRemembersNothing(t *testing.T) {
	var m *Map[string, int]
	m.Put("a", 1)
	if _, ok := m.Get("a"); ok || m.Len() != 0 {
		t.Fatal("a nil Map remembered something")
	}
}
