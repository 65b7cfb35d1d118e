// Registers a client through openid-client's dynamic client registration
// API, then runs a client_credentials grant with the new client.
// Env: ISSUER (e.g. http://127.0.0.1:PORT/default), INITIAL_ACCESS_TOKEN, SCOPE.
// Prints one JSON line with what happened; exits non-zero on any failure.
import * as client from 'openid-client'

const issuer = new URL(process.env.ISSUER)
const scope = process.env.SCOPE ?? 'profile'

const config = await client.dynamicClientRegistration(
  issuer,
  {
    client_name: 'openid-client e2e',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post', // openid-client's default method
    scope,
  },
  undefined,
  { initialAccessToken: process.env.INITIAL_ACCESS_TOKEN, execute: [client.allowInsecureRequests] },
)
const registered = config.clientMetadata()
const tokens = await client.clientCredentialsGrant(config, { scope })
console.log(JSON.stringify({
  client_id: registered.client_id,
  has_secret: typeof registered.client_secret === 'string' && registered.client_secret.length > 0,
  registration_client_uri: registered.registration_client_uri,
  token_type: tokens.token_type,
  scope: tokens.scope,
  has_access_token: typeof tokens.access_token === 'string' && tokens.access_token.length > 0,
  access_token: tokens.access_token, // a test token of a throw-away server, checked against its JWKS
}))
