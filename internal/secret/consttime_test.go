package secret

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// comparesOfSecrets names every function that compares a secret (a hash
// of one, a password hash, a PKCE verifier's digest, a CSRF value) with
// what a caller sent. A timing difference between an early and a late
// mismatch cannot be seen reliably from a test, so this one reads the
// code instead: each must compare through subtle.ConstantTimeCompare, and
// none may compare two non-constant values with ==, != or an Equal that
// stops at the first difference. Paths are from this package's directory.
var comparesOfSecrets = []struct{ file, fn string }{
	{"secret.go", "Verify"},
	{"../user/user.go", "VerifyPassword"},
	{"../oauth/pkce.go", "verifyPKCE"},
	{"../interact/pending.go", "unsealRequest"},
}

// earlyExitEquals are comparisons that return at the first difference.
var earlyExitEquals = map[string]bool{
	"bytes.Equal": true, "bytes.Compare": true, "bytes.EqualFold": true,
	"strings.Compare": true, "strings.EqualFold": true,
	"slices.Equal": true, "reflect.DeepEqual": true,
}

func TestSecretsAreComparedInConstantTime(t *testing.T) {
	for _, c := range comparesOfSecrets {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.FromSlash(c.file), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		fn := findFunc(f, c.fn)
		if fn == nil {
			t.Errorf("%s: no function %s; update comparesOfSecrets if it moved", c.file, c.fn)
			continue
		}
		constantTime := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				switch name := qualifiedName(n.Fun); {
				case name == "subtle.ConstantTimeCompare":
					constantTime = true
				case earlyExitEquals[name]:
					t.Errorf("%s: %s compares with %s, which stops at the first difference", fset.Position(n.Pos()), c.fn, name)
				}
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && !isConstant(n.X) && !isConstant(n.Y) {
					t.Errorf("%s: %s compares two values with %s; use subtle.ConstantTimeCompare", fset.Position(n.Pos()), c.fn, n.Op)
				}
			}
			return true
		})
		if !constantTime {
			t.Errorf("%s: %s does not call subtle.ConstantTimeCompare", c.file, c.fn)
		}
	}
}

func findFunc(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name && fn.Body != nil {
			return fn
		}
	}
	return nil
}

// qualifiedName is "pkg.Name" for a call of pkg.Name, else "".
func qualifiedName(e ast.Expr) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return pkg.Name + "." + sel.Sel.Name
}

// isConstant reports whether e is a literal, nil, true or false, a
// length, or an exported name of another package (a constant such as
// argon2.Version): comparing with one of these leaks nothing secret.
func isConstant(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return e.Name == "nil" || e.Name == "true" || e.Name == "false"
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		return ok && (id.Name == "len" || id.Name == "cap")
	case *ast.SelectorExpr:
		return qualifiedName(e) != "" && ast.IsExported(e.Sel.Name) && e.X.(*ast.Ident).Obj == nil
	case *ast.UnaryExpr:
		return isConstant(e.X)
	}
	return false
}
