package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/registrar-dev/registrar/internal/devtools"
)

// newDevCmd is the client side of signed registration, for trying each
// mode from a shell and for tests: keys, statements, assertions and
// registrations. Nothing here touches a store.
func newDevCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "dev", Short: "Client-side tools: make keys, sign software statements and client assertions, send registrations"}
	cmd.AddCommand(newDevKeygenCmd(), newDevSSACmd(), newDevAssertionCmd(), newDevRegisterCmd())
	return cmd
}

// devSubcommand finishes a dev command: it takes flags only, and cannot
// run without those required names.
func devSubcommand(cmd *cobra.Command, flags func(f *pflag.FlagSet), required ...string) *cobra.Command {
	cmd.Args = cobra.NoArgs
	flags(cmd.Flags())
	for _, name := range required {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newDevKeygenCmd() *cobra.Command {
	return devSubcommand(&cobra.Command{
		Use:   "keygen --alg " + strings.Join(devtools.KeyAlgs, "|") + " --kid K [--out key.jwk] [--jwks jwks.json]",
		Short: "Make a signing key: the private JWK and its public JWK Set",
		Long: "Makes a signing key. The private key, one JWK object, goes to --out (created with mode 0600;\n" +
			"an existing file is not overwritten), its public half, a JWK Set, to --jwks. What has no file\n" +
			"goes to stdout: without --out the private JWK, with --out but without --jwks the JWK Set.",
		RunE: runDevKeygen,
	}, func(f *pflag.FlagSet) {
		f.String("alg", "", strings.Join(devtools.KeyAlgs, ", "))
		f.String("kid", "", "key id, put in every header the key signs")
		f.String("out", "", "file for the private JWK (default: stdout)")
		f.String("jwks", "", "file for the public JWK Set")
	}, "alg", "kid")
}

func runDevKeygen(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	alg, _ := f.GetString("alg")
	kid, _ := f.GetString("kid")
	out, _ := f.GetString("out")
	jwksPath, _ := f.GetString("jwks")
	key, err := devtools.NewKey(alg, kid)
	if err != nil {
		return err
	}
	private, err := key.PrivateJWK()
	if err != nil {
		return err
	}
	public, err := key.PublicJWKS()
	if err != nil {
		return err
	}
	stdout := cmd.OutOrStdout()
	if out == "" {
		fmt.Fprintf(stdout, "%s\n", private)
	} else if err := writeNewFile(out, private, 0o600); err != nil {
		return err
	}
	switch {
	case jwksPath != "":
		return os.WriteFile(jwksPath, append(public, '\n'), 0o644)
	case out != "":
		fmt.Fprintf(stdout, "%s\n", public)
	}
	return nil
}

// writeNewFile writes data to a file that must not exist yet: a key file
// overwritten by a second keygen would lose the key a server trusts.
func writeNewFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fail("%s exists; not overwriting a key (remove it first)", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newDevSSACmd() *cobra.Command {
	return devSubcommand(&cobra.Command{
		Use:   "ssa --issuer ISS --key key.jwk --claims claims.json",
		Short: "Sign a software statement as a directory would; prints it alone on stdout",
		Long: "Signs the claims (a JSON object; - reads stdin) as a software statement (RFC 7591 §2.3) with\n" +
			"typ JWT and the key's kid and alg. It adds iss (--issuer), iat (now), exp (iat + --ttl) and a\n" +
			"random jti unless the claims have them, so a test can sign an expired or old statement.",
		RunE: runDevSSA,
	}, func(f *pflag.FlagSet) {
		f.String("issuer", "", "the directory's name, as the server's trusted issuers list it (iss)")
		f.String("key", "", "the directory's private JWK file")
		f.String("claims", "", "JSON object of the statement's claims (software_id, software_jwks, redirect_uris…); - for stdin")
		lifetimeFlag(f, "ttl", 24*time.Hour, "lifetime: exp = iat + ttl; 0 for no exp")
	}, "issuer", "key", "claims")
}

func runDevSSA(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	issuer, _ := f.GetString("issuer")
	ttl, _ := f.GetDuration("ttl")
	key, err := keyFlag(cmd, "key")
	if err != nil {
		return err
	}
	claims, err := claimsFlag(cmd, "claims")
	if err != nil {
		return err
	}
	ssa, err := devtools.Statement(key, issuer, claims, time.Now(), ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), ssa)
	return nil
}

func newDevAssertionCmd() *cobra.Command {
	return devSubcommand(&cobra.Command{
		Use:   "assertion --client-id ID --key key.jwk --aud URL",
		Short: "Sign a private_key_jwt client assertion; prints it alone on stdout",
		Long: "Signs a client assertion (RFC 7523 §3): iss and sub the client id, aud the token endpoint\n" +
			"URL (or the issuer), valid 5 minutes, with a random jti: the server accepts each once.\n" +
			"Send it as client_assertion with client_assertion_type\n" +
			"urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
		RunE: runDevAssertion,
	}, func(f *pflag.FlagSet) {
		f.String("client-id", "", "the client's id")
		f.String("key", "", "the client's private JWK file (its public half registered as jwks)")
		f.String("aud", "", "the token endpoint URL or the issuer")
	}, "client-id", "key", "aud")
}

func runDevAssertion(cmd *cobra.Command, _ []string) error {
	clientID, _ := cmd.Flags().GetString("client-id")
	aud, _ := cmd.Flags().GetString("aud")
	key, err := keyFlag(cmd, "key")
	if err != nil {
		return err
	}
	a, err := devtools.Assertion(key, clientID, aud, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), a)
	return nil
}

func newDevRegisterCmd() *cobra.Command {
	return devSubcommand(&cobra.Command{
		Use:   "register --endpoint URL [--metadata file.json] [--ssa file] [--sign-with key.jwk --iss ID --aud AUD] [--iat TOKEN | --update --token TOKEN] [--cert FILE --key FILE] [--ca FILE]",
		Short: "Send a dynamic client registration and print the answer",
		Long: "Sends an RFC 7591 registration to --endpoint: the metadata (default {}), with the statement\n" +
			"of --ssa added as software_statement. With --sign-with the body is a compact JWS of the\n" +
			"metadata (Content-Type application/jose) with iss (default: the statement's software_id),\n" +
			"aud (default: the endpoint), iat, exp (+5 min) and a random jti. --iat is sent as a Bearer\n" +
			"initial access token. With --update it PUTs the body to --endpoint, a client's\n" +
			"registration_client_uri (RFC 7592), with --token as Bearer. --cert and --key send it over\n" +
			"mutual TLS with that client certificate (an Open Banking transport certificate); --ca trusts\n" +
			"that CA for the server's certificate. Prints a summary, or with --json the answer as is; a\n" +
			"refusal prints the error JSON and exits non-zero.",
		RunE: runDevRegister,
	}, func(f *pflag.FlagSet) {
		f.String("endpoint", "", "registration endpoint, e.g. http://127.0.0.1:8080/default/oauth2/register")
		f.String("metadata", "", "JSON object of client metadata; - for stdin")
		f.String("ssa", "", "file holding a software statement")
		f.String("sign-with", "", "private JWK file: send the body signed with it")
		f.String("iss", "", "iss of the signed body: the statement's software_id (default: read from --ssa)")
		f.String("aud", "", "aud of the signed body: the issuer, the endpoint or a configured audience (default: --endpoint)")
		f.String("iat", "", "initial access token, sent as Bearer")
		f.Bool("update", false, "update the client whose registration_client_uri is --endpoint (PUT), instead of registering")
		f.String("token", "", "with --update: the token that authorizes it, sent as Bearer (the registration access token; in Open Banking UK, a client_credentials token of the client)")
		f.String("cert", "", "PEM file of the TLS client certificate (chain) to present")
		f.String("key", "", "PEM file of the TLS client certificate's private key")
		f.String("ca", "", "PEM file of the CAs the server's certificate is checked against (default: the system's)")
		f.Bool("json", false, "print the answer's JSON as is")
	}, "endpoint")
}

func runDevRegister(cmd *cobra.Command, _ []string) error {
	reg, err := registrationFlags(cmd)
	if err != nil {
		return err
	}
	var files devtools.TLSFiles
	files.Cert, _ = cmd.Flags().GetString("cert")
	files.Key, _ = cmd.Flags().GetString("key")
	files.CA, _ = cmd.Flags().GetString("ca")
	httpClient, err := files.HTTPClient(30 * time.Second)
	if err != nil {
		return fail("%v", err)
	}
	answer, err := devtools.Register(cmd.Context(), httpClient, reg)
	if err != nil {
		return err
	}
	stdout := cmd.OutOrStdout()
	if jsonFlag(cmd) || !answer.OK() {
		writeIndented(stdout, answer.Body)
		return answer.Err()
	}
	heading := "registered:"
	if reg.Method == "PUT" {
		heading = "updated:"
	}
	return printRegistration(stdout, heading, answer.Body)
}

func registrationFlags(cmd *cobra.Command) (devtools.Registration, error) {
	f := cmd.Flags()
	r := devtools.Registration{Now: time.Now()}
	r.Endpoint, _ = f.GetString("endpoint")
	r.InitialAccessToken, _ = f.GetString("iat")
	if update, _ := f.GetBool("update"); update {
		if r.InitialAccessToken != "" {
			return r, fail("--iat registers; --update takes --token")
		}
		r.Method = "PUT"
		r.InitialAccessToken, _ = f.GetString("token")
	} else if token, _ := f.GetString("token"); token != "" {
		return r, fail("--token goes with --update")
	}
	r.Iss, _ = f.GetString("iss")
	r.Aud, _ = f.GetString("aud")
	var err error
	if path, _ := f.GetString("metadata"); path != "" {
		if r.Metadata, err = claimsFlag(cmd, "metadata"); err != nil {
			return r, err
		}
	}
	if path, _ := f.GetString("ssa"); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return r, err
		}
		r.Statement = strings.TrimSpace(string(raw))
	}
	if path, _ := f.GetString("sign-with"); path == "" {
		if r.Iss != "" || r.Aud != "" {
			return r, fail("--iss and --aud go with --sign-with")
		}
		return r, nil
	}
	key, err := keyFlag(cmd, "sign-with")
	if err != nil {
		return r, err
	}
	r.SignWith = &key
	if r.Aud == "" {
		r.Aud = r.Endpoint
	}
	if r.Iss == "" {
		if r.Statement == "" {
			return r, fail("--sign-with needs --iss (the software_id) or --ssa to read it from")
		}
		if r.Iss, err = devtools.SoftwareID(r.Statement); err != nil {
			return r, fail("--iss not given and %v", err)
		}
	}
	return r, nil
}

// registrationSummary lists what a developer needs next, in this order;
// --json shows the rest.
var registrationSummary = []string{"client_id", "client_secret", "token_endpoint_auth_method", "grant_types",
	"software_id", "software_version", "registration_client_uri", "registration_access_token"}

func printRegistration(w io.Writer, heading string, body []byte) error {
	var answer map[string]any
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	fmt.Fprintln(w, heading)
	for _, name := range registrationSummary {
		v, ok := answer[name]
		if !ok {
			continue
		}
		if s, isString := v.(string); isString {
			fmt.Fprintf(w, "  %-27s %s\n", name+":", s)
		} else {
			compact, _ := json.Marshal(v)
			fmt.Fprintf(w, "  %-27s %s\n", name+":", compact)
		}
	}
	if _, ok := answer["client_secret"]; ok {
		fmt.Fprintln(w, "the secrets are shown once; --json prints the whole answer")
	}
	return nil
}

// writeIndented prints a JSON answer indented, or as is if it is not JSON.
func writeIndented(w io.Writer, body []byte) {
	var buf bytes.Buffer
	if json.Indent(&buf, body, "", "  ") != nil {
		w.Write(body)
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, buf.String())
}

// keyFlag reads the private JWK file the flag names.
func keyFlag(cmd *cobra.Command, flag string) (devtools.Key, error) {
	path, _ := cmd.Flags().GetString(flag)
	raw, err := os.ReadFile(path)
	if err != nil {
		return devtools.Key{}, err
	}
	key, err := devtools.ParseKey(raw)
	if err != nil {
		return devtools.Key{}, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	return key, nil
}

// claimsFlag reads the JSON object in the file the flag names (- for
// stdin).
func claimsFlag(cmd *cobra.Command, flag string) (devtools.Claims, error) {
	path, _ := cmd.Flags().GetString(flag)
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(cmd.InOrStdin())
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	c, err := devtools.ParseClaims(raw)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	return c, nil
}
