package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
)

// TestBrowserFormsSentOnce: a second click on a form's button while the
// answer to the first is on its way is held by the pages' script
// (once.js). Without it the browser would post the form again, the server
// would refuse that copy ("this form was already sent") and the browser
// would show the refusal in place of the first answer. With it, sign-in
// and consent each post once, the browser goes on as after one click, and
// the client gets exactly one code, which redeems.
//
// Chrome folds two clicks made before the first post leaves into one, so
// the test holds each answer in the browser (the server has sent it)
// until it has clicked a second time.
func TestBrowserFormsSentOnce(t *testing.T) {
	ctx := browser(t)
	f := newFlowFixture(t, "")
	cb := startCallback(t)
	conf := oauth2.Config{ClientID: f.registerNative(cb.URL), RedirectURL: cb.URL, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: f.n.Base + "/default/oauth2/authorize", TokenURL: f.n.Base + "/default/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	held := holdAnswers(t, ctx, f.n.Base+"/default/login", f.n.Base+"/default/consent")

	err := chromedp.Do(ctx,
		chromedp.Navigate(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "carol"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	if err != nil {
		t.Fatalf("login page: %v\n%s", err, f.n.Stderr)
	}
	for _, step := range []struct{ button, next string }{
		{"button[type=submit]", "button[value=allow]"}, // sign in, then the consent page
		{"button[value=allow]", "#done"},               // allow, then the client's callback
	} {
		if posts := clickTwice(t, ctx, held, step.button); posts != 1 {
			t.Fatalf("two clicks on %s posted the form %d times; want once", step.button, posts)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(step.next))); err != nil {
			t.Fatalf("after two clicks on %s, no %s: %v\n%s", step.button, step.next, err, f.n.Stderr)
		}
	}
	q := <-cb.got
	select {
	case again := <-cb.got:
		t.Fatalf("a second authorization response reached the client: %v", again)
	default:
	}
	if _, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("the one code delivered (%v): %v", q, err)
	}
}

// holdAnswers has the browser pause at each answer to a request for one of
// urls (fetch interception at the response stage: the server has
// answered) and sends it on the channel; the test lets it through with
// fetch.ContinueRequest.
func holdAnswers(t *testing.T, ctx context.Context, urls ...string) <-chan *fetch.EventRequestPaused {
	t.Helper()
	held := make(chan *fetch.EventRequestPaused, 16) // room for every answer a test waits for
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			held <- e
		}
	})
	var patterns []*fetch.RequestPattern
	for _, u := range urls {
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: u, RequestStage: fetch.RequestStageResponse})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: patterns})
	}
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// clickTwice clicks the button, waits until the answer to its form is
// held, clicks again where the button is still shown, and then lets
// through what was held. It returns how many posts of the form were
// answered. The clicks are mouse events at the button's place: an element
// query would wait for the navigation the first click started.
func clickTwice(t *testing.T, ctx context.Context, held <-chan *fetch.EventRequestPaused, button string) int {
	t.Helper()
	at, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(
		`(b => { b.scrollIntoView({block: "center"}); const r = b.getBoundingClientRect(); return [r.x + r.width/2, r.y + r.height/2] })(document.querySelector(%q))`, button)))
	if err != nil || len(at) != 2 {
		t.Fatalf("where is %s: %v %v", button, at, err)
	}
	click := func() {
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(at[0], at[1])); err != nil {
			t.Fatalf("click %s: %v", button, err)
		}
	}
	click()
	var answers []*fetch.EventRequestPaused
	select {
	case e := <-held:
		answers = append(answers, e)
	case <-time.After(30 * time.Second):
		t.Fatalf("no answer to a click on %s", button)
	}
	click()
	// A second post would be answered within milliseconds on loopback.
	select {
	case e := <-held:
		answers = append(answers, e)
	case <-time.After(time.Second):
	}
	for _, e := range answers {
		// The browser has dropped a first answer that a second post replaced.
		chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
	}
	return len(answers)
}
