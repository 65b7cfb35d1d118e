// Package memo remembers values that never go stale, such as the result of
// verifying a signature or decoding bytes, in a bounded map.
package memo

import "sync"

// Map is bounded with two generations: when the current map is full it
// becomes the previous one and the oldest generation is dropped; a hit in
// the previous generation is promoted. It holds at most size entries. A
// nil *Map remembers nothing (memoisation off).
type Map[K comparable, V any] struct {
	mu       sync.Mutex
	max      int // entries per generation
	cur, old map[K]V
}

// New returns a Map holding at most size entries (at least two).
func New[K comparable, V any](size int) *Map[K, V] {
	perGeneration := max(size/2, 1)
	return &Map[K, V]{max: perGeneration, cur: make(map[K]V, perGeneration)}
}

// Get returns the value remembered for k.
func (m *Map[K, V]) Get(k K) (V, bool) {
	if m == nil {
		var zero V
		return zero, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.cur[k]; ok {
		return v, true
	}
	v, ok := m.old[k]
	if ok {
		m.putLocked(k, v)
	}
	return v, ok
}

// Put remembers v for k.
func (m *Map[K, V]) Put(k K, v V) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(k, v)
}

func (m *Map[K, V]) putLocked(k K, v V) {
	if len(m.cur) >= m.max {
		m.old, m.cur = m.cur, make(map[K]V, m.max)
	}
	m.cur[k] = v
}

// Len is how many entries are held, for tests of the bound.
func (m *Map[K, V]) Len() int {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.old)
}
