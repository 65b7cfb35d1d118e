package admin

import (
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func TestUsers(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	ws := workspace.DefaultName
	for _, bad := range []NewUser{
		{Workspace: ws, Username: "", Password: "long enough"},
		{Workspace: ws, Username: "al ice", Password: "long enough"},
		{Workspace: ws, Username: "alice", Password: "long enough", Email: "Alice <alice@example.com>"},
		{Workspace: ws, Username: "alice", Password: "short"},
	} {
		_, err := f.svc.AddUser(f.ctx, bad)
		wantKind(t, "AddUser "+bad.Username, err, ErrInvalid)
	}
	if users, _ := f.svc.Users(f.ctx, ws); len(users) != 0 {
		t.Fatalf("refused users were stored: %v", users)
	}

	u, err := f.svc.AddUser(f.ctx, NewUser{Workspace: ws, Username: "alice", Password: "correct horse", Email: "alice@example.com", EmailVerified: true, Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !u.CreatedAt.Equal(f.now.Truncate(time.Microsecond)) || u.Email != "alice@example.com" || !u.EmailVerified {
		t.Fatalf("added %+v", u)
	}
	if ok, _ := user.VerifyPassword("correct horse", u.PasswordHash); !ok {
		t.Fatal("the stored hash does not verify the password")
	}
	_, err = f.svc.AddUser(f.ctx, NewUser{Workspace: ws, Username: "alice", Password: "another one"})
	wantKind(t, "AddUser twice", err, ErrConflict)

	wantKind(t, "SetPassword short", f.svc.SetPassword(f.ctx, PasswordChange{Workspace: ws, Username: "alice", Password: "short"}), ErrInvalid)
	if err := f.svc.SetPassword(f.ctx, PasswordChange{Workspace: ws, Username: "alice", Password: "battery staple"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.User(f.ctx, ws, "alice")
	if ok, _ := user.VerifyPassword("battery staple", got.PasswordHash); !ok {
		t.Fatal("the new password does not verify")
	}
	wantKind(t, "SetPassword absent", f.svc.SetPassword(f.ctx, PasswordChange{Workspace: ws, Username: "bob", Password: "long enough"}), ErrNotFound)

	if err := f.svc.DeleteUser(f.ctx, ws, "alice"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteUser twice", f.svc.DeleteUser(f.ctx, ws, "alice"), ErrNotFound)
}
