package policy

import (
	"hash/maphash"
	"slices"

	"github.com/registrar-dev/registrar/internal/memo"
)

// cache keeps compiled sets by a hash of their source, checked against
// the source itself on a hit, so that a request evaluates programs
// compiled when its workspace's settings were first used (settings are
// values re-read from the store, with no identity of their own to key
// on) without building a key out of every rule's text each time.
var cache = memo.New[uint64, cachedSet](maxCached)

type cachedSet struct {
	rules     []Rule
	costLimit uint64
	set       *Set
}

// maxCached bounds the cache; settings changed often enough to pass it
// only cost a compile each.
const maxCached = 256

var rulesSeed = maphash.MakeSeed()

// Cached is Compile's set for rules, compiled once. Rules that do not
// compile were refused when the settings were validated; here they come
// back as the first error.
func Cached(rules []Rule, costLimit uint64) (*Set, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	key := hashRules(rules, costLimit)
	if c, ok := cache.Get(key); ok && c.costLimit == costLimit && slices.Equal(c.rules, rules) {
		return c.set, nil
	}
	set, errs := Compile(rules, costLimit)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	cache.Put(key, cachedSet{rules: slices.Clone(rules), costLimit: costLimit, set: set})
	return set, nil
}

// hashRules hashes rules and the limit, each field ended by a NUL so
// that no two fields run together (a collision only costs a compile: a
// hit is checked against the rules).
func hashRules(rules []Rule, costLimit uint64) uint64 {
	var h maphash.Hash
	h.SetSeed(rulesSeed)
	maphash.WriteComparable(&h, costLimit)
	for _, r := range rules {
		for _, f := range [...]string{r.Name, r.When, r.Expr, r.Message, r.Error} {
			h.WriteString(f)
			h.WriteByte(0)
		}
	}
	return h.Sum64()
}
