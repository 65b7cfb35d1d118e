package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/registrar-dev/registrar/internal/certfile"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/keyring"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
)

// Env is what every command that touches the data needs: the store, the
// key ring and the secret hasher, all derived from one Config.
type Env struct {
	Config config.Config
	Store  store.Store
	Keys   *keyring.Ring
	Hasher *secret.Hasher
	// FormSealer protects authorization requests in flight through the
	// login and consent forms.
	FormSealer *masterkey.Sealer
	// ReplaySealer protects the registration answers kept for a retry
	// with the same Idempotency-Key.
	ReplaySealer *masterkey.Sealer
	// Pairwise computes pairwise subject identifiers, the same on every
	// node sharing the master key.
	Pairwise *oauth.PairwiseSubjects
	// SecretSealer keeps the secrets of client_secret_jwt clients, the
	// only client secrets the server must read back.
	SecretSealer *masterkey.Sealer
	// PushedSealer seals pushed authorization requests into their
	// request_uri, which any node can open.
	PushedSealer *masterkey.Sealer
	// ConsoleSealer seals admin console sessions into their cookie.
	ConsoleSealer *masterkey.Sealer
	// MasterKeyCreated is true when this start created the key file.
	MasterKeyCreated bool
	// Certificates are the listener's certificate and the client CAs,
	// read from their files (serve sets them; nil serves neither).
	Certificates *certfile.Set
}

// purposeFormSeal derives the key sealing requests in flight through forms.
const purposeFormSeal = "registrar form seal v1"

// purposeReplaySeal derives the key sealing kept registration answers.
const purposeReplaySeal = "registrar registration replay seal v1"

// purposeClientSecretSeal derives the key sealing client_secret_jwt secrets.
const purposeClientSecretSeal = "registrar client secret seal v1"

// purposePushedSeal derives the key sealing pushed authorization requests.
const purposePushedSeal = "registrar pushed request seal v1"

// purposeConsoleSeal derives the key sealing admin console sessions.
const purposeConsoleSeal = "registrar admin console session seal v1"

// OpenEnv loads the master key and opens (and migrates) the store, whose
// background work logs on log.
func OpenEnv(ctx context.Context, cfg config.Config, log *slog.Logger) (*Env, error) {
	master, created, err := masterkey.Load(cfg.MasterKey, cfg.MasterKeyFile)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	sealer, err := masterkey.NewSealer(masterkey.Derive(master, masterkey.PurposeKeyEncryption))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	formSealer, err := masterkey.NewSealer(masterkey.Derive(master, purposeFormSeal))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	replaySealer, err := masterkey.NewSealer(masterkey.Derive(master, purposeReplaySeal))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	secretSealer, err := masterkey.NewSealer(masterkey.Derive(master, purposeClientSecretSeal))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	pushedSealer, err := masterkey.NewSealer(masterkey.Derive(master, purposePushedSeal))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	consoleSealer, err := masterkey.NewSealer(masterkey.Derive(master, purposeConsoleSeal))
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	st, err := backend.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &Env{
		Config:           cfg,
		Store:            st,
		Keys:             keyring.New(st, sealer, clock.Now, cfg.KeyRefresh),
		Hasher:           secret.NewHasher(masterkey.Derive(master, masterkey.PurposeSecretPepper)),
		FormSealer:       formSealer,
		ReplaySealer:     replaySealer,
		Pairwise:         oauth.NewPairwiseSubjects(masterkey.Derive(master, masterkey.PurposePairwiseSubject)),
		SecretSealer:     secretSealer,
		PushedSealer:     pushedSealer,
		ConsoleSealer:    consoleSealer,
		MasterKeyCreated: created,
	}, nil
}

// Close releases the store.
func (e *Env) Close() error { return e.Store.Close() }
