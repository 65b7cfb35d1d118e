package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add, list, delete users and set their passwords (on the store directly)"}
	cmd.PersistentFlags().String("workspace", workspace.DefaultName, "workspace")
	cmd.PersistentFlags().Bool("json", false, "print JSON")
	add := &cobra.Command{Use: "add", Short: "Add a user", Args: cobra.NoArgs,
		PreRunE: checkUserFlags, RunE: onStore(runUserAdd)}
	add.Flags().String("username", "", "username (required)")
	add.Flags().String("email", "", "email address")
	add.Flags().Bool("email-verified", false, "mark the email as verified")
	add.Flags().String("name", "", "full name")
	add.Flags().String("given-name", "", "given name")
	add.Flags().String("family-name", "", "family name")
	add.Flags().Bool("password-stdin", false, "read the password from standard input (for scripts)")
	list := &cobra.Command{Use: "list", Short: "List users", Args: cobra.NoArgs, RunE: runUserList}
	del := &cobra.Command{Use: "delete USERNAME", Short: "Delete a user with their sessions, consents and tokens", Args: cobra.ExactArgs(1), RunE: onExistingWorkspace(runUserDelete)}
	passwd := &cobra.Command{Use: "passwd USERNAME", Short: "Set a user's password, signing them out everywhere and revoking their tokens",
		Args: cobra.ExactArgs(1), RunE: onExistingWorkspace(runUserPasswd)}
	passwd.Flags().Bool("password-stdin", false, "read the password from standard input")
	cmd.AddCommand(add, list, del, passwd)
	return cmd
}

// readPassword takes the password from stdin (--password-stdin) or asks
// twice on the terminal without echo. Passwords never come from flags,
// which `ps` and shell history would show.
func readPassword(cmd *cobra.Command) (string, error) {
	if fromStdin, _ := cmd.Flags().GetBool("password-stdin"); fromStdin {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return checkPassword(strings.TrimRight(line, "\r\n"))
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", fail("no terminal to ask for the password; use --password-stdin")
	}
	fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", err
	}
	fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", fail("the passwords differ")
	}
	return checkPassword(string(first))
}

func checkPassword(p string) (string, error) {
	if len([]rune(p)) < 8 {
		return "", fail("the password must have at least 8 characters")
	}
	return p, nil
}

// checkUserFlags runs before the store is opened (see checkCreateFlags).
func checkUserFlags(cmd *cobra.Command, _ []string) error {
	username, _ := cmd.Flags().GetString("username")
	if strings.TrimSpace(username) == "" || strings.ContainsAny(username, " \t\r\n") {
		return fail("--username is required and must not contain spaces")
	}
	email, _ := cmd.Flags().GetString("email")
	if err := user.CheckEmail(email); err != nil {
		return fail("--email: %v", err)
	}
	return nil
}

func runUserAdd(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	us := env.Store
	if _, err := existingWorkspace(ctx, env, wsName); err != nil {
		return err
	}
	flags := cmd.Flags()
	username, _ := flags.GetString("username")
	password, err := readPassword(cmd)
	if err != nil {
		return err
	}
	hash, err := user.HashPassword(password, user.DefaultParams)
	if err != nil {
		return err
	}
	id, err := secret.TimeOrderedID(time.Now(), nil)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := user.User{Workspace: wsName, ID: id, Username: username, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	u.Email, _ = flags.GetString("email")
	u.EmailVerified, _ = flags.GetBool("email-verified")
	u.Name, _ = flags.GetString("name")
	u.GivenName, _ = flags.GetString("given-name")
	u.FamilyName, _ = flags.GetString("family-name")
	if err := us.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
		return fail("user %q already exists in workspace %s", username, wsName)
	} else if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), userView(u))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "added user %s (sub %s) to workspace %s\n", username, id, wsName)
	return nil
}

func userView(u user.User) map[string]any {
	return map[string]any{"sub": u.ID, "username": u.Username, "email": u.Email, "email_verified": u.EmailVerified,
		"name": u.Name, "given_name": u.GivenName, "family_name": u.FamilyName, "created_at": u.CreatedAt}
}

// runUserList only reads (readWorkspace): on an empty store it lists
// nothing and creates nothing.
func runUserList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	users, err := readWorkspace(cmd, wsName, func(ctx context.Context, st store.Store) ([]user.User, error) {
		return st.ListUsers(ctx, wsName)
	})
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		out := make([]map[string]any, 0, len(users))
		for _, u := range users {
			out = append(out, userView(u))
		}
		return writeJSON(cmd.OutOrStdout(), out)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tSUB\tEMAIL\tNAME")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.ID, u.Email, u.Name)
	}
	return tw.Flush()
}

func lookupUser(cmd *cobra.Command, us store.Users, wsName, username string) (user.User, error) {
	u, err := us.UserByUsername(cmd.Context(), wsName, username)
	if errors.Is(err, store.ErrNotFound) {
		return u, fail("no user %q in workspace %s", username, wsName)
	}
	return u, err
}

func runUserDelete(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	us := env.Store
	u, err := lookupUser(cmd, us, wsName, args[0])
	if err != nil {
		return err
	}
	if err := us.DeleteUser(cmd.Context(), wsName, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "deleted user %s\n", args[0])
	return nil
}

func runUserPasswd(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	us := env.Store
	u, err := lookupUser(cmd, us, wsName, args[0])
	if err != nil {
		return err
	}
	password, err := readPassword(cmd)
	if err != nil {
		return err
	}
	hash, err := user.HashPassword(password, user.DefaultParams)
	if err != nil {
		return err
	}
	// A new password is what an operator sets after a suspected
	// compromise, so the store ends, with the change, whatever the old
	// one signed in (SetUserPassword).
	if err := us.SetUserPassword(cmd.Context(), wsName, u.ID, hash, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; %s is signed out everywhere: browser sessions ended, "+
		"unredeemed codes dropped, refresh and access tokens revoked\n", args[0], args[0])
	return nil
}
