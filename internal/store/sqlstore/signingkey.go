package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

func (s *Store) RotateKeys(ctx context.Context, ws string, fresh []store.SigningKey, at, publishUntil time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range fresh {
			if _, err := s.exec(ctx, tx, `UPDATE signing_keys SET retired_at = ?, publish_until = ?
				WHERE workspace = ? AND alg = ? AND retired_at IS NULL`, ts(at), ts(publishUntil), ws, k.Alg); err != nil {
				return err
			}
		}
		for _, k := range fresh {
			if _, err := s.exec(ctx, tx, `INSERT INTO signing_keys (workspace, kid, alg, private_key_encrypted, public_jwk, created_at, retired_at, publish_until)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ws, k.KID, k.Alg, k.PrivateKeyEncrypted, string(k.PublicJWK),
				ts(k.CreatedAt), ts(k.RetiredAt), ts(k.PublishUntil)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) KeysByWorkspace(ctx context.Context, ws string, now time.Time) ([]store.SigningKey, error) {
	rows, err := s.readRows(ctx, `SELECT workspace, kid, alg, private_key_encrypted, public_jwk, created_at, retired_at, publish_until
		FROM signing_keys WHERE workspace = ? AND (retired_at IS NULL OR publish_until > ?) ORDER BY created_at DESC, kid`, ws, ts(now))
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		var pub string
		var created, retired, until sql.NullInt64
		if err := rows.Scan(&k.Workspace, &k.KID, &k.Alg, &k.PrivateKeyEncrypted, &pub, &created, &retired, &until); err != nil {
			return nil, s.wrap(err)
		}
		k.PublicJWK = []byte(pub)
		k.CreatedAt, k.RetiredAt, k.PublishUntil = fromTS(created), fromTS(retired), fromTS(until)
		out = append(out, k)
	}
	return out, s.wrap(rows.Err())
}
