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

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/user"
)

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add, list, delete and unlock users and set their passwords (on the store directly)"}
	operatorFlags(cmd.PersistentFlags())
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
	unlock := &cobra.Command{Use: "unlock [USERNAME]", Short: "Lift the lock that too many failed sign-ins put on a user's account",
		Args: cobra.MaximumNArgs(1), PreRunE: checkUnlockTarget, RunE: onExistingWorkspace(runUserUnlock)}
	unlock.Flags().String("username", "", "the user to unlock (or give it as the argument)")
	cmd.AddCommand(add, list, del, passwd, unlock)
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
		return checkedPassword(strings.TrimRight(line, "\r\n"))
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", fail("no terminal to ask for the password; use --password-stdin")
	}
	first, err := promptPassword(cmd, fd, "Password: ")
	if err != nil {
		return "", err
	}
	second, err := promptPassword(cmd, fd, "Again: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", fail("the passwords differ")
	}
	return checkedPassword(first)
}

// promptPassword asks on stderr, stdout being for results.
func promptPassword(cmd *cobra.Command, fd int, prompt string) (string, error) {
	fmt.Fprint(cmd.ErrOrStderr(), prompt)
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(cmd.ErrOrStderr())
	return string(p), err
}

// checkedPassword refuses a password admin would refuse, before anything
// else is asked.
func checkedPassword(p string) (string, error) {
	return p, admin.CheckPassword(p)
}

func userRequest(cmd *cobra.Command) admin.NewUser {
	flags := cmd.Flags()
	var r admin.NewUser
	r.Workspace, _ = flags.GetString("workspace")
	r.Username, _ = flags.GetString("username")
	r.Email, _ = flags.GetString("email")
	r.EmailVerified, _ = flags.GetBool("email-verified")
	r.Name, _ = flags.GetString("name")
	r.GivenName, _ = flags.GetString("given-name")
	r.FamilyName, _ = flags.GetString("family-name")
	return r
}

// checkUserFlags runs before the store is opened (see checkCreateFlags).
// admin names the field at fault first, the flag's name without "--".
func checkUserFlags(cmd *cobra.Command, _ []string) error {
	if err := userRequest(cmd).Check(); err != nil {
		return fail("--%v", err)
	}
	return nil
}

func runUserAdd(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	svc := env.Admin()
	// The workspace is checked before the password is asked for.
	if _, err := svc.Workspace(ctx, wsName); err != nil {
		return err
	}
	req := userRequest(cmd)
	var err error
	if req.Password, err = readPassword(cmd); err != nil {
		return err
	}
	u, err := svc.AddUser(ctx, req)
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), userView(u))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "added user %s (sub %s) to workspace %s\n", u.Username, u.ID, wsName)
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
	users, err := readWorkspace(cmd, wsName, func(ctx context.Context, svc *admin.Service) ([]user.User, error) {
		return svc.Users(ctx, wsName)
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

func runUserDelete(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	if err := env.Admin().DeleteUser(cmd.Context(), wsName, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "deleted user %s\n", args[0])
	return nil
}

func runUserPasswd(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	svc := env.Admin()
	// A user who is not there is said before the password is asked for.
	if _, err := svc.User(ctx, wsName, args[0]); err != nil {
		return err
	}
	password, err := readPassword(cmd)
	if err != nil {
		return err
	}
	if err := svc.SetPassword(ctx, admin.PasswordChange{Workspace: wsName, Username: args[0], Password: password}); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; %s is signed out everywhere: browser sessions ended, "+
		"unredeemed codes dropped, refresh and access tokens revoked\n", args[0], args[0])
	return nil
}

// unlockTarget is the username given as the argument or with --username,
// as `user add` takes it.
func unlockTarget(cmd *cobra.Command, args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	name, _ := cmd.Flags().GetString("username")
	return name
}

// checkUnlockTarget runs before the store is opened.
func checkUnlockTarget(cmd *cobra.Command, args []string) error {
	flag, _ := cmd.Flags().GetString("username")
	switch {
	case len(args) == 1 && flag != "" && flag != args[0]:
		return fail("give the username once: as the argument or with --username")
	case unlockTarget(cmd, args) == "":
		return fail("name the user to unlock: registrar user unlock USERNAME (or --username)")
	}
	return nil
}

func runUserUnlock(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	username := unlockTarget(cmd, args)
	lock, err := env.Admin().UnlockUser(cmd.Context(), wsName, username)
	if err != nil {
		return err
	}
	if lock.LockedAt(clock.Now()) {
		fmt.Fprintf(cmd.OutOrStdout(), "unlocked user %s (locked after %d consecutive failed sign-ins, until %s)\n",
			username, lock.Failures, lock.LockedUntil.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "user %s was not locked; its count of %d consecutive failed sign-ins is cleared\n", username, lock.Failures)
	return nil
}
