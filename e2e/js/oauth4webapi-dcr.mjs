// Uses oauth4webapi end to end: discovery, dynamic registration, a
// client_credentials token, introspection, revocation, introspection again.
// Env: ISSUER, INITIAL_ACCESS_TOKEN, SCOPE. Prints one JSON line.
import * as oauth from 'oauth4webapi'

const issuer = new URL(process.env.ISSUER)
const scope = process.env.SCOPE ?? 'profile'
const insecure = { [oauth.allowInsecureRequests]: true }

const as = await oauth.processDiscoveryResponse(
  issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }))

const registered = await oauth.processDynamicClientRegistrationResponse(
  await oauth.dynamicClientRegistrationRequest(as, {
    client_name: 'oauth4webapi e2e',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope,
  }, { initialAccessToken: process.env.INITIAL_ACCESS_TOKEN, ...insecure }))

const c = { client_id: registered.client_id }
const auth = oauth.ClientSecretBasic(registered.client_secret)

const tokens = await oauth.processClientCredentialsResponse(as, c,
  await oauth.clientCredentialsGrantRequest(as, c, auth, new URLSearchParams({ scope }), insecure))

const before = await oauth.processIntrospectionResponse(as, c,
  await oauth.introspectionRequest(as, c, auth, tokens.access_token, insecure))

await oauth.processRevocationResponse(
  await oauth.revocationRequest(as, c, auth, tokens.access_token, insecure))

const after = await oauth.processIntrospectionResponse(as, c,
  await oauth.introspectionRequest(as, c, auth, tokens.access_token, insecure))

console.log(JSON.stringify({
  client_id: registered.client_id,
  token_endpoint_auth_method: registered.token_endpoint_auth_method,
  scope: tokens.scope,
  active_before_revocation: before.active,
  introspected_client_id: before.client_id,
  active_after_revocation: after.active,
}))
