// Package fetch is the one way Registrar fetches a URL a stranger named:
// a client's jwks_uri or sector_identifier_uri, a software statement's
// JWKS endpoint, a trusted issuer's jwks_uri. Such a URL may point into
// the network Registrar runs in (its database, the cloud metadata
// service, an admin port on loopback), so the fetcher refuses private and
// special addresses at connect time, where DNS rebinding cannot change
// the answer after the check; follows no redirects; bounds the time and
// size of an answer; takes JSON only; and caches what it fetched, so a
// stranger's server is asked at most now and then.
//
// It imports only clock of ours; callers name the field in its errors.
package fetch
