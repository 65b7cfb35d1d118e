// Uses oauth4webapi for a pushed authorization request (RFC 9126) in two
// steps around the browser's sign-in, which the Go test drives.
// STEP=push: discovery, dynamic registration of a client_secret_basic code
// flow client, PKCE, the pushed request. Env: ISSUER, INITIAL_ACCESS_TOKEN,
// REDIRECT_URI.
// STEP=redeem: the authorization response checked as oauth4webapi does
// (state and RFC 9207 iss), then the code redeemed. Env: ISSUER, CLIENT_ID,
// CLIENT_SECRET, REDIRECT_URI, CALLBACK, CODE_VERIFIER, STATE.
// Prints one JSON line.
import * as oauth from 'oauth4webapi'

const env = process.env
const issuer = new URL(env.ISSUER)
const insecure = { [oauth.allowInsecureRequests]: true }

const as = await oauth.processDiscoveryResponse(
  issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }))

if (env.STEP === 'push') {
  const registered = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(as, {
      client_name: 'oauth4webapi PAR e2e',
      redirect_uris: [env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid',
    }, { initialAccessToken: env.INITIAL_ACCESS_TOKEN, ...insecure }))
  const c = { client_id: registered.client_id }
  const codeVerifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const pushed = await oauth.processPushedAuthorizationResponse(as, c,
    await oauth.pushedAuthorizationRequest(as, c, oauth.ClientSecretBasic(registered.client_secret), {
      response_type: 'code',
      redirect_uri: env.REDIRECT_URI,
      scope: 'openid',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }, insecure))
  const authorizationURL = new URL(as.authorization_endpoint)
  authorizationURL.searchParams.set('client_id', c.client_id)
  authorizationURL.searchParams.set('request_uri', pushed.request_uri)
  console.log(JSON.stringify({
    client_id: c.client_id,
    client_secret: registered.client_secret,
    request_uri: pushed.request_uri,
    expires_in: pushed.expires_in,
    code_verifier: codeVerifier,
    state,
    authorization_url: authorizationURL.href,
  }))
} else {
  const c = { client_id: env.CLIENT_ID }
  const params = oauth.validateAuthResponse(as, c, new URL(env.CALLBACK), env.STATE)
  const tokens = await oauth.processAuthorizationCodeResponse(as, c,
    await oauth.authorizationCodeGrantRequest(as, c, oauth.ClientSecretBasic(env.CLIENT_SECRET), params,
      env.REDIRECT_URI, env.CODE_VERIFIER, insecure))
  console.log(JSON.stringify({
    has_access_token: typeof tokens.access_token === 'string',
    has_id_token: typeof tokens.id_token === 'string',
    sub: oauth.getValidatedIdTokenClaims(tokens)?.sub ?? null,
  }))
}
