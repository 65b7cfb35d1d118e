// Signed registration and private_key_jwt with npm jose, independently of
// Registrar's own signing code: a directory signs a software statement,
// the software signs its registration body (application/jose) and, once
// registered, its client assertions; the access token is verified against
// the published JWKS. Each signed value is also replayed, which must fail.
//
// Env: ISSUER (the workspace's issuer), DIRECTORY_ISSUER and DIRECTORY_KEY
// (the directory's name and private JWK, trusted in the workspace's YAML).
// Prints one JSON line of what happened.
import * as jose from 'jose'
import { randomUUID } from 'node:crypto'

const issuer = process.env.ISSUER
const directoryJWK = JSON.parse(process.env.DIRECTORY_KEY)
const directoryKey = await jose.importJWK(directoryJWK, directoryJWK.alg)

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()

// The software's own key pair; its public half goes into the statement.
const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true })
const softwareJWK = { ...(await jose.exportJWK(publicKey)), kid: 'js-app-1', alg: 'ES256', use: 'sig' }
const softwareID = 'js-app'

const statement = await new jose.SignJWT({
  software_id: softwareID,
  software_version: '1.0',
  software_jwks: { keys: [softwareJWK] },
  token_endpoint_auth_method: 'private_key_jwt',
  grant_types: ['client_credentials'],
})
  .setProtectedHeader({ alg: directoryJWK.alg, kid: directoryJWK.kid, typ: 'JWT' })
  .setIssuer(process.env.DIRECTORY_ISSUER)
  .setIssuedAt()
  .setExpirationTime('1h')
  .setJti(randomUUID())
  .sign(directoryKey)

const body = await new jose.SignJWT({ client_name: 'npm jose', scope: 'profile', software_statement: statement })
  .setProtectedHeader({ alg: 'ES256', kid: softwareJWK.kid })
  .setIssuer(softwareID)
  .setAudience(issuer)
  .setIssuedAt()
  .setExpirationTime('5m')
  .setJti(randomUUID())
  .sign(privateKey)

async function post(url, contentType, payload) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body: payload })
  return { status: r.status, json: await r.json() }
}

const reg = await post(discovery.registration_endpoint, 'application/jose', body)
if (reg.status !== 201) {
  console.log(JSON.stringify({ registration_status: reg.status, registration: reg.json }))
  process.exit(0)
}
const replayedBody = await post(discovery.registration_endpoint, 'application/jose', body)

const assertion = await new jose.SignJWT({})
  .setProtectedHeader({ alg: 'ES256', kid: softwareJWK.kid })
  .setIssuer(reg.json.client_id)
  .setSubject(reg.json.client_id)
  .setAudience(discovery.token_endpoint)
  .setIssuedAt()
  .setExpirationTime('2m')
  .setJti(randomUUID())
  .sign(privateKey)
const form = (a) => new URLSearchParams({
  grant_type: 'client_credentials',
  scope: 'profile',
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: a,
}).toString()
const token = await post(discovery.token_endpoint, 'application/x-www-form-urlencoded', form(assertion))
const replayedAssertion = await post(discovery.token_endpoint, 'application/x-www-form-urlencoded', form(assertion))

let accessTokenClaims = null
if (token.json.access_token) {
  const jwks = jose.createRemoteJWKSet(new URL(discovery.jwks_uri))
  accessTokenClaims = (await jose.jwtVerify(token.json.access_token, jwks, { issuer })).payload
}

console.log(JSON.stringify({
  registration_status: reg.status,
  registration: reg.json,
  replayed_body_status: replayedBody.status,
  replayed_body_error: replayedBody.json.error,
  token_status: token.status,
  token_error: token.json.error,
  access_token_claims: accessTokenClaims,
  replayed_assertion_status: replayedAssertion.status,
  replayed_assertion_error: replayedAssertion.json.error,
  auth_methods_supported: discovery.token_endpoint_auth_methods_supported,
}))
