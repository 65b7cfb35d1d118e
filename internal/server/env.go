package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

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
// background work logs on log. It is serve's: a master key file that does
// not exist is created, but only once the store opened, so that a start
// that cannot reach its store leaves no stray key file behind.
func OpenEnv(ctx context.Context, cfg config.Config, log *slog.Logger) (*Env, error) {
	master, err := masterkey.LoadExisting(cfg.MasterKey, cfg.MasterKeyFile)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return nil, fmt.Errorf("master key: %w", err)
	}
	st, err := backend.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	created := false
	if missing {
		if master, created, err = masterkey.Load(cfg.MasterKey, cfg.MasterKeyFile); err != nil {
			st.Close()
			return nil, fmt.Errorf("master key: %w", err)
		}
	}
	env, err := newEnv(cfg, st, master)
	if err != nil {
		st.Close()
		return nil, err
	}
	env.MasterKeyCreated = created
	return env, nil
}

// OpenExistingEnv is OpenEnv for the operator commands, which must create
// neither a store nor a master key: run in the wrong folder, they would
// act on a store no server uses, under a key no server has. A SQLite file
// or key file that is not there is an error wrapping fs.ErrNotExist.
func OpenExistingEnv(ctx context.Context, cfg config.Config, log *slog.Logger) (*Env, error) {
	master, err := masterkey.LoadExisting(cfg.MasterKey, cfg.MasterKeyFile)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if path, ok := backend.SQLitePath(cfg.DB); ok && path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	st, err := backend.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	env, err := newEnv(cfg, st, master)
	if err != nil {
		st.Close()
		return nil, err
	}
	return env, nil
}

// newEnv derives every key of the environment from master.
func newEnv(cfg config.Config, st store.Store, master []byte) (*Env, error) {
	sealers := map[string]*masterkey.Sealer{}
	for _, purpose := range []string{masterkey.PurposeKeyEncryption, purposeFormSeal, purposeReplaySeal, purposeClientSecretSeal, purposePushedSeal, purposeConsoleSeal} {
		sealer, err := masterkey.NewSealer(masterkey.Derive(master, purpose))
		if err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		sealers[purpose] = sealer
	}
	return &Env{
		Config:        cfg,
		Store:         st,
		Keys:          keyring.New(st, sealers[masterkey.PurposeKeyEncryption], clock.Now, cfg.KeyRefresh),
		Hasher:        secret.NewHasher(masterkey.Derive(master, masterkey.PurposeSecretPepper)),
		FormSealer:    sealers[purposeFormSeal],
		ReplaySealer:  sealers[purposeReplaySeal],
		Pairwise:      oauth.NewPairwiseSubjects(masterkey.Derive(master, masterkey.PurposePairwiseSubject)),
		SecretSealer:  sealers[purposeClientSecretSeal],
		PushedSealer:  sealers[purposePushedSeal],
		ConsoleSealer: sealers[purposeConsoleSeal],
	}, nil
}

// CheckMasterKey opens the signing keys of workspace ws, which fails with
// masterkey.ErrSealed when the master key is not the one they were sealed
// under: a command that went on would hash secrets with the wrong pepper
// and seal new keys that no server can open.
func (e *Env) CheckMasterKey(ctx context.Context, ws string) error {
	_, err := e.Keys.JWKS(ctx, ws)
	return e.explainSealed(ws, err)
}

// explainSealed names the master key that did not open ws's keys.
func (e *Env) explainSealed(ws string, err error) error {
	if !errors.Is(err, masterkey.ErrSealed) {
		return err
	}
	return fmt.Errorf("workspace %s: its signing keys were sealed under another master key than the one from %s; "+
		"use the server's master key (--master-key-file, REGISTRAR_MASTER_KEY_FILE or REGISTRAR_MASTER_KEY): %w",
		ws, e.Config.MasterKeySource(), err)
}

// Close releases the store.
func (e *Env) Close() error { return e.Store.Close() }
