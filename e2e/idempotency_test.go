package e2e

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// TestRegistrationIdempotencyKey: a retry with the same Idempotency-Key,
// token and body gets the first answer, secrets included, even though the
// single-use token was spent by the first; it registers nothing more. The
// same key with another body is refused 422, and a malformed key 400.
func TestRegistrationIdempotencyKey(t *testing.T) {
	n := startNode(t, nodeOpts{})
	const body = `{"grant_types":["client_credentials"],"client_name":"retried"}`
	register := func(tok, key, body string) response {
		return post(t, n.Base+"/default/oauth2/register", "application/json", body, "Authorization", "Bearer "+tok, "Idempotency-Key", key)
	}
	tok := n.iat("default", 1)
	first := register(tok, "key-1", body)
	if first.Status != 201 {
		t.Fatalf("first registration: %d %s", first.Status, first.Body)
	}
	again := register(tok, "key-1", body)
	if again.Status != 201 || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("retry with the same key: %d %s; want 201 with the first answer %s", again.Status, again.Body, first.Body)
	}
	id := first.JSON(t)["client_id"].(string)
	if got := strings.Count(n.clientList("default"), "retried"); got != 1 {
		t.Errorf("%d clients named retried after a retry; want 1:\n%s", got, n.clientList("default"))
	}
	secret := first.JSON(t)["client_secret"].(string)
	if r := n.clientCredentials("default", id, secret, ""); r["access_token"] == nil {
		t.Errorf("the replayed secret does not authenticate: %v", r)
	}

	wantError(t, register(tok, "key-1", `{"grant_types":["client_credentials"],"client_name":"other"}`), 422, "invalid_request", "Idempotency-Key")
	wantError(t, register(n.iat("default", 1), "key-1", body), 422, "invalid_request", "Idempotency-Key")
	wantError(t, register(tok, "a key", body), 400, "invalid_request", "Idempotency-Key")
	if strings.Contains(n.clientList("default"), "other") {
		t.Error("a refused retry registered a client")
	}

	// Retries sent together: one registers, the others get its answer.
	tok = n.iat("default", 1)
	var wg sync.WaitGroup
	answers := make([]response, 4)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = register(tok, "key-2", body)
		}()
	}
	wg.Wait()
	for _, a := range answers {
		if a.Status != 201 || !bytes.Equal(a.Body, answers[0].Body) {
			t.Errorf("concurrent retries: %d %s; want one answer, 201 %s", a.Status, a.Body, answers[0].Body)
		}
	}
}
