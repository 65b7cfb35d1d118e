package fetch

import (
	"container/list"
	"sync"
	"time"
)

// cache keeps fetched documents per URL until they expire, the least
// recently used going first past a number of entries or bytes.
type cache struct {
	mu         sync.Mutex
	order      *list.List // of *entry, most recently used first
	byURL      map[string]*list.Element
	maxEntries int
	maxBytes   int
	bytes      int
}

type entry struct {
	url       string
	doc       []byte
	fetchedAt time.Time
	expires   time.Time
}

func newCache(maxEntries, maxBytes int) *cache {
	return &cache{order: list.New(), byURL: map[string]*list.Element{}, maxEntries: maxEntries, maxBytes: maxBytes}
}

// get returns the document of url while it is fresh at now.
func (c *cache) get(url string, now time.Time) ([]byte, bool) {
	return c.lookup(url, func(e *entry) bool { return now.Before(e.expires) })
}

// recent returns the document of url if it was fetched less than
// interval before now, fresh or not.
func (c *cache) recent(url string, now time.Time, interval time.Duration) ([]byte, bool) {
	return c.lookup(url, func(e *entry) bool { return now.Sub(e.fetchedAt) < interval })
}

func (c *cache) lookup(url string, usable func(*entry) bool) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byURL[url]
	if !ok || !usable(el.Value.(*entry)) {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).doc, true
}

// tried marks url's document, if one is kept, as fetched at now, for
// recent: a refresh was attempted then, though it failed.
func (c *cache) tried(url string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byURL[url]; ok {
		el.Value.(*entry).fetchedAt = now
	}
}

func (c *cache) put(url string, doc []byte, now time.Time, keep time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byURL[url]; ok {
		c.remove(el)
	}
	c.byURL[url] = c.order.PushFront(&entry{url: url, doc: doc, fetchedAt: now, expires: now.Add(keep)})
	c.bytes += len(doc)
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *cache) remove(el *list.Element) {
	e := c.order.Remove(el).(*entry)
	delete(c.byURL, e.url)
	c.bytes -= len(e.doc)
}
