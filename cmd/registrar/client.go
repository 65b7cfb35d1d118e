package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/server"
)

func newClientCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Create, list, show and delete clients (on the store directly)"}
	operatorFlags(cmd.PersistentFlags())
	create := &cobra.Command{Use: "create", Short: "Create a client and print its secret once", Args: cobra.NoArgs,
		PreRunE: checkCreateFlags, RunE: onStore(runClientCreate)}
	create.Flags().StringArray("grant-type", nil, "grant type (repeat, or a space-separated list)")
	create.Flags().StringArray("scope", nil, "scope (repeat, or a space-separated list)")
	create.Flags().String("auth-method", client.AuthClientSecretBasic, "token endpoint auth method: client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, tls_client_auth, self_signed_tls_client_auth or none")
	create.Flags().String("jwks", "", "file holding the client's public keys as a JWK Set, for private_key_jwt")
	create.Flags().String("jwks-uri", "", "URL of the client's JWK Set, for private_key_jwt")
	create.Flags().String("auth-signing-alg", "", "token_endpoint_auth_signing_alg: the only alg the client's assertions may use")
	for _, n := range tlsNameFlags {
		create.Flags().String(n.flag, "", n.member+": for tls_client_auth, the one name its certificate must carry")
	}
	create.Flags().Bool("certificate-bound-tokens", false, "tls_client_certificate_bound_access_tokens: bind the client's access tokens to its TLS client certificate")
	create.Flags().String("name", "", "client_name")
	create.Flags().StringArray("redirect-uri", nil, "redirect URI (repeat)")
	list := &cobra.Command{Use: "list", Short: "List clients", Args: cobra.NoArgs, RunE: runClientList}
	get := &cobra.Command{Use: "get CLIENT_ID", Short: "Show a client", Args: cobra.ExactArgs(1), RunE: runClientGet}
	del := &cobra.Command{Use: "delete CLIENT_ID", Short: "Delete a client and its tokens", Args: cobra.ExactArgs(1), RunE: onExistingWorkspace(runClientDelete)}
	reissue := &cobra.Command{Use: "reissue-token CLIENT_ID", Short: "Give a self-registered client a new registration access token (RFC 7592), shown once",
		Args: cobra.ExactArgs(1), RunE: onExistingWorkspace(runClientReissueToken)}
	cmd.AddCommand(create, list, get, del, reissue)
	return cmd
}

// fields splits repeated flags that may each hold a space-separated list.
func fields(values []string) []string {
	var out []string
	for _, v := range values {
		for _, f := range strings.Fields(v) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

func runClientCreate(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	md, err := flagMetadata(cmd)
	if err != nil {
		return err
	}
	created, err := env.Admin().CreateClient(cmd.Context(), admin.NewClient{Workspace: wsName, Metadata: md, Origin: client.OriginCLI})
	if err != nil {
		return flagError(err)
	}
	return printClient(cmd, created.Client, created.Secret)
}

// checkCreateFlags runs before the store is opened: flags refused on their
// own must not leave a new store and master key behind (the command may
// have been run in the wrong folder).
func checkCreateFlags(cmd *cobra.Command, _ []string) error {
	if err := emptyFlag(cmd, "auth-method", "grant-type", "scope", "jwks", "jwks-uri", "auth-signing-alg"); err != nil {
		return err
	}
	md, err := flagMetadata(cmd)
	if err != nil {
		return err
	}
	return flagError(admin.CheckClientMetadata(md))
}

// emptyFlag refuses a flag given with nothing in it: leaving it out picks
// the default, but an empty value is a mistake, as an empty member is in
// a registration.
func emptyFlag(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(interface{ GetSlice() []string }); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("--%s: must not be empty", name)
			}
		}
	}
	return nil
}

// flagMetadata is the metadata the flags ask for.
func flagMetadata(cmd *cobra.Command) (client.Metadata, error) {
	grants, _ := cmd.Flags().GetStringArray("grant-type")
	scopes, _ := cmd.Flags().GetStringArray("scope")
	method, _ := cmd.Flags().GetString("auth-method")
	name, _ := cmd.Flags().GetString("name")
	redirects, _ := cmd.Flags().GetStringArray("redirect-uri")
	jwksURI, _ := cmd.Flags().GetString("jwks-uri")
	alg, _ := cmd.Flags().GetString("auth-signing-alg")
	md := client.Metadata{
		GrantTypes: fields(grants), Scope: strings.Join(fields(scopes), " "),
		TokenEndpointAuthMethod: method, ClientName: name, RedirectURIs: redirects,
		JWKSURI: jwksURI, TokenEndpointAuthSigningAlg: alg,
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{client.GrantClientCredentials}
	}
	for _, n := range tlsNameFlags {
		*n.field(&md), _ = cmd.Flags().GetString(n.flag)
	}
	md.TLSClientCertificateBoundAccessToken, _ = cmd.Flags().GetBool("certificate-bound-tokens")
	if path, _ := cmd.Flags().GetString("jwks"); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return md, fmt.Errorf("--jwks: %w", err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return md, fmt.Errorf("--jwks: %s is not JSON: %w", path, err)
		}
		md.JWKS = compact.Bytes()
	}
	return md, nil
}

// tlsNameFlags set the names a tls_client_auth client's certificate is
// known by (RFC 8705 §2.1.2), one flag per metadata member.
var tlsNameFlags = []struct {
	flag, member string
	field        func(*client.Metadata) *string
}{
	{"tls-subject-dn", "tls_client_auth_subject_dn", func(m *client.Metadata) *string { return &m.TLSClientAuthSubjectDN }},
	{"tls-san-dns", "tls_client_auth_san_dns", func(m *client.Metadata) *string { return &m.TLSClientAuthSANDNS }},
	{"tls-san-uri", "tls_client_auth_san_uri", func(m *client.Metadata) *string { return &m.TLSClientAuthSANURI }},
	{"tls-san-ip", "tls_client_auth_san_ip", func(m *client.Metadata) *string { return &m.TLSClientAuthSANIP }},
	{"tls-san-email", "tls_client_auth_san_email", func(m *client.Metadata) *string { return &m.TLSClientAuthSANEmail }},
}

// flagOfMember names the flag that sets a metadata member.
var flagOfMember = map[string]string{
	"grant_types": "--grant-type", "response_types": "--grant-type", "scope": "--scope",
	"token_endpoint_auth_method": "--auth-method", "client_name": "--name", "redirect_uris": "--redirect-uri",
	"jwks": "--jwks", "jwks.keys": "--jwks", "jwks_uri": "--jwks-uri", "token_endpoint_auth_signing_alg": "--auth-signing-alg",
	"tls_client_auth_subject_dn": "--tls-subject-dn", "tls_client_auth_san_dns": "--tls-san-dns", "tls_client_auth_san_uri": "--tls-san-uri",
	"tls_client_auth_san_ip": "--tls-san-ip", "tls_client_auth_san_email": "--tls-san-email",
}

// flagError words a refusal of the metadata for the command line: the
// description names the member at fault ("redirect_uris[0]: …"), which
// the operator set with a flag.
func flagError(err error) error {
	var oe *oautherr.Error
	if !errors.As(err, &oe) {
		return err
	}
	member, rest, _ := strings.Cut(oe.Description, ":")
	name, _, _ := strings.Cut(member, "[")
	if flag, ok := flagOfMember[name]; ok {
		return fmt.Errorf("%s:%s", flag, rest)
	}
	return errors.New(oe.Description)
}

// runClientList only reads (readWorkspace): on an empty store it lists
// nothing and creates nothing.
func runClientList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	clients, err := readWorkspace(cmd, wsName, func(ctx context.Context, svc *admin.Service) ([]client.Client, error) {
		return svc.Clients(ctx, wsName)
	})
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		out := make([]map[string]any, 0, len(clients))
		for _, cl := range clients {
			out = append(out, clientView(cl, ""))
		}
		return writeJSON(cmd.OutOrStdout(), out)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tNAME\tORIGIN\tGRANT_TYPES\tSCOPE\tCREATED")
	for _, cl := range clients {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cl.ID, cl.Metadata.ClientName, originLabel(cl),
			strings.Join(cl.Metadata.Grants(), ","), cl.Metadata.Scope, cl.IssuedAt.Format("2006-01-02 15:04:05Z"))
	}
	return tw.Flush()
}

// originLabel shows DCR-registered clients as "DCR", as the admin views of
// other servers do, naming the issuer whose software statement vouched
// for the client.
func originLabel(cl client.Client) string {
	switch {
	case cl.Provenance.Origin != client.OriginDCR:
		return cl.Provenance.Origin
	case cl.Provenance.SoftwareStatementIss != "":
		return "DCR (statement: " + cl.Provenance.SoftwareStatementIss + ")"
	}
	return "DCR"
}

// runClientGet only reads (readWorkspace): a client that is not there,
// or a store that is not there yet, is the same not-found error.
func runClientGet(cmd *cobra.Command, args []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	cl, err := readWorkspace(cmd, wsName, func(ctx context.Context, svc *admin.Service) (*client.Client, error) {
		cl, err := svc.Client(ctx, wsName, args[0])
		return &cl, err
	})
	if err != nil {
		return err
	}
	if cl == nil {
		return admin.MissingClient(wsName, args[0])
	}
	return printClient(cmd, *cl, "")
}

func runClientDelete(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	if err := env.Admin().DeleteClient(cmd.Context(), wsName, args[0]); err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), map[string]any{"deleted": true, "client_id": args[0], "workspace": wsName})
	}
	fmt.Fprintf(cmd.OutOrStdout(), "deleted client %s from workspace %s\n", args[0], wsName)
	return nil
}

// runClientReissueToken replaces a client's registration access token,
// for a client whose token expired or was lost.
func runClientReissueToken(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	t, err := env.Admin().ReissueRegistrationToken(cmd.Context(), wsName, args[0])
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), t)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "registration_access_token: %s   (shown once; the previous one no longer works)\n"+
		"registration_client_uri:   %s\nexpires in:                %vs\n", t.Token, t.ClientURI, t.ExpiresIn)
	return nil
}

// clientView is the RFC 7591 view of a client plus where it came from:
// "origin" alone, kept for scripts that read it, and "registered", the
// whole provenance (through which initial access token or software id,
// and when), which an operator needs to trace a DCR client back.
func clientView(cl client.Client, secret string) map[string]any {
	view := client.View(cl)
	view["workspace"] = cl.Workspace
	view["origin"] = cl.Provenance.Origin
	view["registered"] = cl.Provenance
	if !cl.FirstTokenAt.IsZero() {
		// Absent: no token yet, so registration.unused_client_ttl applies.
		view["first_token_at"] = cl.FirstTokenAt.UTC().Format(time.RFC3339)
	}
	if secret != "" {
		view["client_secret"] = secret
	}
	return view
}

func printClient(cmd *cobra.Command, cl client.Client, secret string) error {
	view := clientView(cl, secret)
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), view)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "client_id:     %s\n", cl.ID)
	if secret != "" {
		fmt.Fprintf(w, "client_secret: %s   (shown once)\n", secret)
	}
	fmt.Fprintf(w, "workspace:     %s\norigin:        %s\nregistered:    %s\nauth method:   %s\ngrant types:   %s\nscope:         %s\n",
		cl.Workspace, originLabel(cl), provenanceText(cl.Provenance), cl.Metadata.AuthMethod(), strings.Join(cl.Metadata.Grants(), " "), cl.Metadata.Scope)
	if cl.Metadata.Template != "" {
		fmt.Fprintf(w, "template:      %s\n", cl.Metadata.Template)
	}
	firstToken := "none yet"
	if !cl.FirstTokenAt.IsZero() {
		firstToken = cl.FirstTokenAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "first token:   %s\n", firstToken)
	return nil
}

// provenanceText is when a client was registered and through what.
func provenanceText(p client.Provenance) string {
	parts := []string{p.RegisteredAt.UTC().Format(time.RFC3339)}
	if p.InitialAccessTokenID != "" {
		parts = append(parts, "initial access token "+p.InitialAccessTokenID)
	}
	if p.SoftwareID != "" {
		parts = append(parts, "software_id "+p.SoftwareID)
	}
	if p.SoftwareStatementIss != "" {
		parts = append(parts, "software statement from "+p.SoftwareStatementIss)
	}
	if p.OrgID != "" {
		parts = append(parts, "org_id "+p.OrgID)
	}
	return strings.Join(parts, ", ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
