package admin

import (
	"context"
	"errors"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// changeClient runs change on a copy of client id of ws and commits what
// it says with the action's audit event, in one transaction; an error
// from change commits nothing.
func (s *Service) changeClient(ctx context.Context, wsName, id, action string, change func(*client.Client) (store.ClientChange, error)) (client.Client, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return client.Client{}, err
	}
	event, err := s.auditEvent(ctx, wsName, action, id)
	if err != nil {
		return client.Client{}, err
	}
	cl, err := s.Store.ManageClient(ctx, wsName, id, func(c *client.Client) (store.ClientChange, store.AuditEvent, error) {
		what, err := change(c)
		if what != store.ClientUnchanged {
			c.UpdatedAt = s.Time()
		}
		return what, event, err
	})
	if errors.Is(err, store.ErrNotFound) {
		return cl, MissingClient(wsName, id)
	}
	return cl, err
}

// DisableClient stops a client: it cannot authenticate (token,
// introspection, revocation, PAR), start an authorization or manage its
// registration, and its tokens read as inactive, until EnableClient.
// Disabling a disabled client changes nothing.
func (s *Service) DisableClient(ctx context.Context, wsName, id string) error {
	return s.setDisabled(ctx, wsName, id, ActionClientDisable, s.Time())
}

// EnableClient undoes DisableClient; enabling an enabled client changes
// nothing.
func (s *Service) EnableClient(ctx context.Context, wsName, id string) error {
	return s.setDisabled(ctx, wsName, id, ActionClientEnable, time.Time{})
}

// setDisabled sets the client's DisabledAt to at (zero: enabled) unless
// it is already in that state.
func (s *Service) setDisabled(ctx context.Context, wsName, id, action string, at time.Time) error {
	_, err := s.changeClient(ctx, wsName, id, action, func(c *client.Client) (store.ClientChange, error) {
		if c.Disabled() == !at.IsZero() {
			return store.ClientUnchanged, nil
		}
		c.DisabledAt = at
		return store.ClientUpdated, nil
	})
	return err
}

// RotatedSecret is a client's new secret, to be shown once.
type RotatedSecret struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// ExpiresAt is 0: a secret never expires (RFC 7591 §3.2.1).
	ExpiresAt int64 `json:"client_secret_expires_at"`
}

// RotateClientSecret gives a client a new secret; the old one stops
// working at once. A client whose auth method uses no secret is refused
// as a conflict.
func (s *Service) RotateClientSecret(ctx context.Context, wsName, id string) (RotatedSecret, error) {
	var plain string
	_, err := s.changeClient(ctx, wsName, id, ActionClientRotateSecret, func(c *client.Client) (store.ClientChange, error) {
		method := c.Metadata.AuthMethod()
		if !client.UsesSecret(method) {
			return store.ClientUnchanged, refuse(ErrConflict, "client %s authenticates with %s, which uses no secret", id, method)
		}
		var err error
		plain, err = c.NewSecret(s.Random(), s.Hasher, s.Secrets)
		c.SecretExpiresAt = time.Time{}
		return store.ClientUpdated, err
	})
	if err != nil {
		return RotatedSecret{}, err
	}
	return RotatedSecret{ClientID: id, ClientSecret: plain}, nil
}

// UpdateClient replaces a client's metadata with md, validated as
// CreateClient validates it. A change of auth method that needs a secret
// the client has not got (or one of another kind: client_secret_jwt's is
// sealed) issues a new one, returned in plain once; a method that uses
// no secret drops the one it had.
func (s *Service) UpdateClient(ctx context.Context, wsName, id string, md client.Metadata) (CreatedClient, error) {
	ws, err := s.Workspace(ctx, wsName)
	if err != nil {
		return CreatedClient{}, err
	}
	md = withCodeResponse(md)
	if _, err := client.Validate(md, operatorPolicy(ws.Settings)); err != nil {
		return CreatedClient{}, err
	}
	var plain string
	cl, err := s.changeClient(ctx, wsName, id, ActionClientUpdate, func(c *client.Client) (store.ClientChange, error) {
		before, after := c.Metadata.AuthMethod(), md.AuthMethod()
		c.Metadata = md
		var err error
		switch {
		case !client.UsesSecret(after):
			c.SecretHash, c.SealedSecret = nil, nil
		case c.SecretHash == nil || (before != after && (before == client.AuthClientSecretJWT || after == client.AuthClientSecretJWT)):
			plain, err = c.NewSecret(s.Random(), s.Hasher, s.Secrets)
		}
		return store.ClientUpdated, err
	})
	return CreatedClient{Client: cl, Secret: plain}, err
}
