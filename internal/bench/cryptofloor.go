package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
)

// addedCrypto names the signature checks a signed workload makes on top
// of its plain counterpart, so that the report can say how close to its
// counterpart the signed workload could come at best: a check the plain
// one does not pay for caps the ratio whatever the rest costs.
var addedCrypto = map[string]string{
	"cc-private-key-jwt": "one ES256 verification",
}

// es256VerifyCost is what one ES256 verification costs on this machine
// now, with every core verifying as a server under load does. It counts
// each thread's own CPU time, so a neighbour taking turns on a core does
// not inflate it, and keeps the least of a few rounds' averages.
func es256VerifyCost() (time.Duration, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return 0, err
	}
	digest := sha256.Sum256([]byte("registrar bench"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return 0, err
	}
	const rounds, perCore = 5, 40
	cores := runtime.GOMAXPROCS(0)
	best := time.Duration(math.MaxInt64)
	for range rounds {
		costs := make([]time.Duration, cores)
		errs := make([]error, cores)
		var wg sync.WaitGroup
		for c := range cores {
			wg.Go(func() {
				costs[c], errs[c] = threadCPU(func() error {
					for range perCore {
						if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
							return errors.New("ES256 verification failed on its own signature")
						}
					}
					return nil
				})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return 0, err
		}
		var sum time.Duration
		for _, c := range costs {
			sum += c
		}
		best = min(best, sum/time.Duration(cores*perCore))
	}
	return best, nil
}

// withCryptoFloor fills each ratio's CPU comparison and, where the signed
// workload adds a signature check, the best ratio that check leaves: the
// plain workload's server CPU per request over that plus the check's,
// timed only then. Where it cannot be timed (no thread CPU clock), no
// floor is printed.
func withCryptoFloor(rs []Ratio, results []Result) []Ratio {
	return withVerifyCost(rs, results, sync.OnceValue(func() time.Duration {
		d, _ := es256VerifyCost()
		return d
	}))
}

// withVerifyCost is withCryptoFloor with the verification's cost from
// verify.
func withVerifyCost(rs []Ratio, results []Result, verify func() time.Duration) []Ratio {
	cpu := map[string]time.Duration{}
	for _, r := range results {
		cpu[r.Name] = r.ServerCPU
	}
	for i, r := range rs {
		plain, signed := cpu[r.Counterpart], cpu[r.Workload]
		if plain == 0 || signed == 0 {
			continue
		}
		rs[i].CPURatio = float64(plain) / float64(signed)
		added, ok := addedCrypto[r.Workload]
		if !ok {
			continue
		}
		if cost := verify(); cost > 0 {
			rs[i].Bound = float64(plain) / float64(plain+cost)
			rs[i].BoundWhy = fmt.Sprintf("%s's %dµs of server CPU per request plus %s, %dµs here",
				r.Counterpart, plain.Microseconds(), added, cost.Microseconds())
		}
	}
	return rs
}
