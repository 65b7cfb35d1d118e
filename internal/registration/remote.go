package registration

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/fetch"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// safeDefault fetches for a Service given no Fetcher: the production
// rules, so that forgetting one never skips a check or opens the network.
var safeDefault = fetch.New(fetch.Config{})

func (s *Service) fetcher() Fetcher {
	if s.Fetcher == nil {
		return safeDefault
	}
	return s.Fetcher
}

// checkRemoteDocuments fetches what the validated metadata points at and
// checks it, so that no client is registered with keys or a sector that
// will not work: a jwks_uri must answer with a JWK Set held to the rules
// of an inline jwks, a sector_identifier_uri with the client's redirect
// URIs. The two are fetched at once, so that the step takes one fetch
// budget at most, and outside any transaction.
func (s *Service) checkRemoteDocuments(ctx context.Context, md client.Metadata) error {
	jwks, sector := s.fetchBoth(ctx, md.JWKSURI, md.SectorIdentifierURI)
	if md.JWKSURI != "" {
		if jwks.err != nil {
			return fetchRefusal("jwks_uri", jwks.err)
		}
		if err := client.CheckJWKSDocument(jwks.doc); err != nil {
			return err
		}
	}
	if md.SectorIdentifierURI != "" {
		if sector.err != nil {
			return fetchRefusal("sector_identifier_uri", sector.err)
		}
		return checkSectorDocument(sector.doc, md.RedirectURIs)
	}
	return nil
}

// fetched is a document or why it could not be had.
type fetched struct {
	doc []byte
	err error
}

// fetchBoth fetches the non-empty URLs of a and b concurrently.
func (s *Service) fetchBoth(ctx context.Context, a, b string) (fetched, fetched) {
	var results [2]fetched
	var wg sync.WaitGroup
	for i, url := range []string{a, b} {
		if url != "" {
			wg.Go(func() {
				doc, err := s.fetcher().JSON(ctx, url)
				results[i] = fetched{doc, err}
			})
		}
	}
	wg.Wait()
	return results[0], results[1]
}

// namesRemoteDocuments reports whether md points at a document
// checkRemoteDocuments fetches.
func namesRemoteDocuments(md client.Metadata) bool {
	return md.JWKSURI != "" || md.SectorIdentifierURI != ""
}

// checkSectorDocument: OIDC Registration §5, the sector_identifier_uri
// answers with a JSON array of redirect URIs that holds every one the
// client registers, which is how the sector's owner vouches that the
// client's hosts share its pairwise subject identifiers.
func checkSectorDocument(doc []byte, redirectURIs []string) error {
	var listed []string
	if err := json.Unmarshal(doc, &listed); err != nil {
		return oautherr.InvalidMetadata("sector_identifier_uri: must answer with a JSON array of redirect URIs (OpenID Connect Registration §5)")
	}
	for _, uri := range redirectURIs {
		if !slices.Contains(listed, uri) {
			return oautherr.InvalidMetadata("sector_identifier_uri: its document does not list the redirect URI %q; it must list every one (OpenID Connect Registration §5)", uri)
		}
	}
	return nil
}

// fetchRefusal names field in a failed fetch's reason.
func fetchRefusal(field string, err error) error {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return oautherr.InvalidMetadata("%s: %s", field, fe.Reason)
	}
	return err
}
