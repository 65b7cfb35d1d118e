package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/registrar-dev/registrar/internal/admin"
)

// signInPage is the sign-in form.
type signInPage struct {
	Error string
	Next  string
}

// handler is a console page for a signed-in operator.
type handler func(w http.ResponseWriter, r *http.Request, sess *Session)

// signedIn runs next for a request carrying a live session whose admin
// token still stands; a post must also carry the session's CSRF token.
// Without a session a page sends the browser to sign in, and a post is
// refused: nobody is there to confirm it.
func (h *Handler) signedIn(next handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := h.session(r)
		isPost := r.Method == http.MethodPost
		switch {
		case errors.Is(err, ErrNoSession) && !isPost:
			http.Redirect(w, r, "/admin/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case errors.Is(err, ErrNoSession):
			h.showError(w, r, nil, http.StatusForbidden, "Forbidden", "This form was not sent from a signed-in console session.")
			return
		case err != nil:
			h.fail(w, r, nil, err)
			return
		}
		if isPost {
			if h.refusedCrossSite(w, r) {
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.showError(w, r, &sess, http.StatusBadRequest, "Bad request", "The form could not be read.")
				return
			}
			if !sess.ValidCSRF(r.PostForm.Get("csrf_token")) {
				logger(r).Warn("console form refused: CSRF token missing or not this session's", "admin", sess.Name, "remote_addr", clientAddress(r))
				h.showError(w, r, &sess, http.StatusForbidden, "Forbidden", "This form did not come from this console session. Reload the page and try again.")
				return
			}
		}
		logger(r).Info("console request", "admin", sess.Name, "admin_token_id", sess.TokenID, "method", r.Method)
		// What the admin service does for this request is audited in
		// the token's name.
		r = r.WithContext(admin.WithAdmin(r.Context(), admin.Admin{TokenID: sess.TokenID, Name: sess.Name, RemoteAddr: clientAddress(r)}))
		next(w, r, &sess)
	}
}

// crossSite refuses a post a browser sent from another site. A sign-in
// has no session, so no CSRF token, to stand on: without this, another
// site could sign an operator's browser into a console session of the
// attacker's token (login CSRF), and have them work in it. The browser's
// Sec-Fetch-Site, else its Origin, says where a post came from; a post
// with neither is not a browser's (curl, a script) and passes.
var crossSite = http.NewCrossOriginProtection()

// refusedCrossSite answers 403 to a post from another site and reports
// whether it did.
func (h *Handler) refusedCrossSite(w http.ResponseWriter, r *http.Request) bool {
	if crossSite.Check(r) == nil {
		return false
	}
	logger(r).Warn("console post refused: sent from another site", "remote_addr", clientAddress(r),
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	h.showError(w, r, nil, http.StatusForbidden, "Forbidden", "This form was sent from another site. Open the console at its own address and try again.")
	return true
}

// session opens the cookie and checks that its admin token still stands.
func (h *Handler) session(r *http.Request) (Session, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return Session{}, ErrNoSession
	}
	sess, err := h.Sessions.Open(c.Value)
	if err != nil {
		return Session{}, err
	}
	if sess.TokenID == admin.EnvAdminName && sess.Env != EnvDigest(h.Service.EnvAdminToken) {
		return Session{}, ErrNoSession
	}
	if _, err := h.Service.AdminByTokenID(r.Context(), sess.TokenID); err != nil {
		if errors.Is(err, admin.ErrUnauthorized) {
			return Session{}, ErrNoSession
		}
		return Session{}, err
	}
	return sess, nil
}

func (h *Handler) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Page: signInPage{Next: localPath(r.URL.Query().Get("next"))}})
}

// handleSignIn exchanges an admin token for a session cookie. Wrong
// tokens are logged and, past a few from one address, slow it down: it
// is refused unchecked until its throttle allows another.
func (h *Handler) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if h.refusedCrossSite(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.showError(w, r, nil, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	next := localPath(r.PostForm.Get("next"))
	addr := clientAddress(r)
	// Held like the API's checks, so parallel guesses share one budget.
	end, wait, ok := h.SignIns.Begin(r.RemoteAddr)
	if !ok {
		logger(r).Warn("console sign-in throttled", "remote_addr", addr)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		h.render(w, r, http.StatusTooManyRequests, "signin", page{Title: "Sign in", Page: signInPage{Next: next,
			Error: "Too many wrong tokens from this address. Wait a moment and try again."}})
		return
	}
	a, err := h.Service.CheckAdminToken(r.Context(), r.PostForm.Get("token"))
	end(errors.Is(err, admin.ErrUnauthorized))
	if errors.Is(err, admin.ErrUnauthorized) {
		logger(r).Warn("console sign-in refused: unknown admin token", "remote_addr", addr)
		h.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in", Page: signInPage{Next: next,
			Error: "That admin token is not valid."}})
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	env := ""
	if a.TokenID == admin.EnvAdminName {
		env = EnvDigest(h.Service.EnvAdminToken)
	}
	_, value, err := h.Sessions.Start(a.TokenID, a.Name, env)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	logger(r).Info("console sign-in", "admin", a.Name, "remote_addr", addr)
	http.SetCookie(w, h.cookie(value, int(SessionTTL.Seconds())))
	if next == "" {
		next = "/admin/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) handleSignOut(w http.ResponseWriter, r *http.Request, sess *Session) {
	http.SetCookie(w, h.cookie("", -1))
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}

func (h *Handler) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteStrictMode}
}

// localPath is p if it is a path of the console, where a sign-in may
// return to, else "": never another site (an open redirect).
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || len(p) < 7 || p[:7] != "/admin/" || len(p) > 1024 {
		return ""
	}
	for _, c := range p {
		if c == '\\' || c < 0x20 {
			return ""
		}
	}
	return p
}

func (h *Handler) handleHome(w http.ResponseWriter, r *http.Request, sess *Session) {
	names := h.workspaceNames(r)
	ws := "default"
	if len(names) > 0 && !slices.Contains(names, ws) {
		ws = names[0]
	}
	http.Redirect(w, r, "/admin/ws/"+url.PathEscape(ws)+"/applications", http.StatusSeeOther)
}
