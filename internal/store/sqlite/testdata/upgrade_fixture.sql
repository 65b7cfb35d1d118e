-- Rows as a store at schema version 1 wrote them (the columns of
-- 00001_initial.sql only): later migrations must keep them readable.
-- Made by the store itself, so the JSON is what it writes.
INSERT INTO workspaces (name, settings, created_at, updated_at)
    VALUES ('default', '{"access_token_format":"jwt","access_token_alg":"ES256","access_token_ttl":600,"refresh_token_ttl":2592000,"id_token_ttl":3600,"scopes":["openid","profile","email","offline_access","dcr"],"require_pkce":true,"allow_plain_pkce":false,"jwks_max_age":60,"registration":{"enabled":true,"mode":"initial_access_token","scope":"dcr","registration_token_ttl":2592000,"rotate_registration_token":"on_update","grant_types":["authorization_code","refresh_token","client_credentials"],"response_types":["code"],"auth_methods":["client_secret_basic","client_secret_post","none"]}}', 1772600767123456, 1772600767123456);
INSERT INTO clients (workspace, id, secret_hash, secret_expires_at, issued_at, updated_at, version, metadata, provenance, origin, registration_token_hash, registration_token_expires_at)
    VALUES ('default', 'app', X'010203', 1772604367123456, 1772600767123456, 1772600767123456, 3, '{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"App","scope":"openid profile","contacts":["ops@app.example"],"default_max_age":300,"localized":{"client_name#fr":"Appli"}}', '{"origin":"dcr","initial_access_token_id":"iat1","registered_at":"2026-03-04T05:06:07.123456Z"}', 'dcr', X'0909', 1772687167123456);
INSERT INTO signing_keys (workspace, kid, alg, private_key_encrypted, public_jwk, created_at, retired_at, publish_until)
    VALUES ('default', 'k1', 'ES256', X'7365616C6564', '{"kty":"EC"}', 1772600767123456, NULL, NULL);
INSERT INTO tokens (workspace, id, kind, format, hash, client_id, subject, scope, audience, grant_id, issued_at, expires_at, revoked_at)
    VALUES ('default', 'r1', 'refresh_token', 'opaque', X'726831', 'app', 'u1', 'openid', '["https://api.example"]', 'g1', 1772600767123456, 1772604367123456, NULL);
INSERT INTO initial_access_tokens (workspace, id, hash, description, max_uses, uses, created_at, expires_at, revoked_at)
    VALUES ('default', 'iat1', X'696831', 'ci', 5, 1, 1772600767123456, 1772604367123456, NULL);
INSERT INTO users (workspace, id, username, email, email_verified, name, given_name, family_name, password_hash, created_at, updated_at)
    VALUES ('default', 'u1', 'alice', 'alice@example.com', 1, 'Alice A', 'Alice', 'A', '$argon2id$x', 1772600767123456, 1772600767123456);
