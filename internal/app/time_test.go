package app

import (
	"bytes"
	"context"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/appauth"
	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// hangGuard bounds a run that must end on its own: no speed target, only
// what turns a hang into a failure instead of a test that never ends.
const hangGuard = 10 * time.Second

func TestTokenIsCheckedBeforeAnyRequest(t *testing.T) {
	tests := []struct {
		name      string
		vars      map[string]string
		outside   bool   // outside Actions: the error goes to stderr
		bad       string // the token, whose middle must never be printed
		wantError string
	}{
		{
			name:      "token input with a control character",
			vars:      map[string]string{"INPUT_TOKEN": "ghs_0123456789\x01abcdefghijklmnopqrstuvwxy"},
			bad:       "ghs_0123456789\x01abcdefghijklmnopqrstuvwxy",
			wantError: "::error::input token: has a control character (U+0001) at character 15 of 40; a token is printable ASCII without spaces: copy it again, whole and alone",
		},
		{
			name:      "token input with a character that is not ASCII",
			vars:      map[string]string{"INPUT_TOKEN": "ghs_0123456789\u00a0abcdefghijklmnopqrstuvwxy"},
			bad:       "ghs_0123456789\u00a0abcdefghijklmnopqrstuvwxy",
			wantError: "::error::input token: has a character that is not ASCII (U+00A0) at character 15 of 40; a token is printable ASCII without spaces: copy it again, whole and alone",
		},
		{
			// The inputs' own rule for the token input; reported once.
			name:      "token input with a line break inside",
			vars:      map[string]string{"INPUT_TOKEN": "ghs_0123456789\nabcdefghijklmnopqrstuvwxy"},
			bad:       "ghs_0123456789\nabcdefghijklmnopqrstuvwxy",
			wantError: "::error::input token: must not contain spaces or line breaks (is the secret pasted with a trailing newline inside it?)",
		},
		{
			name:      "GITHUB_TOKEN outside Actions with a line break inside",
			vars:      map[string]string{"GITHUB_ACTIONS": "", "INPUT_TOKEN": "", "GITHUB_TOKEN": "ghp_0123456789\nabcdefghijklmnopqrstuvwxy\n"},
			outside:   true,
			bad:       "ghp_0123456789\nabcdefghijklmnopqrstuvwxy",
			wantError: "error: input token: has a line break at character 15 of 40 (in GITHUB_TOKEN); a token is printable ASCII without spaces: copy it again, whole and alone",
		},
		{
			name:      "GITHUB_TOKEN outside Actions with DEL",
			vars:      map[string]string{"GITHUB_ACTIONS": "", "INPUT_TOKEN": "", "GITHUB_TOKEN": "ghp_0123456789\x7fabcdefghijklmnopqrstuvwxy"},
			outside:   true,
			bad:       "ghp_0123456789\x7fabcdefghijklmnopqrstuvwxy",
			wantError: "error: input token: has a control character (U+007F) at character 15 of 40 (in GITHUB_TOKEN); a token is printable ASCII without spaces: copy it again, whole and alone",
		},
		{
			name:      "GH_TOKEN outside Actions with a space",
			vars:      map[string]string{"GITHUB_ACTIONS": "", "INPUT_TOKEN": "", "GH_TOKEN": "token gho_0123456789"},
			outside:   true,
			bad:       "token gho_0123456789",
			wantError: "error: input token: has a space at character 6 of 20 (in GH_TOKEN); a token is printable ASCII without spaces: copy it again, whole and alone",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(tt.vars)

			o := w.run()

			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests, "nothing sent")
			assert.Empty(t, o.sleeps, "nothing retried")
			out := o.stdout
			if tt.outside {
				out = o.stderr
			}
			var errors []string
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "::error::") || strings.HasPrefix(line, "error: ") {
					errors = append(errors, line)
				}
			}
			assert.Equal(t, []string{tt.wantError}, errors)
			// The runner consumes ::add-mask:: unseen.
			var shown []string
			for _, line := range strings.Split(o.stdout, "\n") {
				if !strings.HasPrefix(line, "::add-mask::") {
					shown = append(shown, line)
				}
			}
			for where, text := range map[string]string{"stdout": strings.Join(shown, "\n"), "stderr": o.stderr, "summary": o.summary} {
				assert.NotContains(t, text, "0123456789", "the token is never printed, in %s", where)
			}
		})
	}
}

// TestMintedTokenIsChecked: an installation token no request could carry
// fails the run at once, before any request with it.
func TestMintedTokenIsChecked(t *testing.T) {
	w, _ := appWorld(t, map[string]int64{"BTCDecoded": 4242})
	w.srv.Fail(http.MethodPost, "/app/installations/*/access_tokens", githubtest.Response{
		Status: http.StatusCreated,
		Body:   `{"token":"ghs_0123456789\u0001abcdefghijklmnopqrstuvwxy","expires_at":"2025-11-17T03:00:00Z"}`,
	})

	o := w.run()

	assert.Equal(t, 1, o.code)
	assert.Len(t, o.requests, 2, "the installation and the token, nothing with it")
	assert.Empty(t, o.sleeps, "nothing retried")
	assert.Equal(t, "::error::create an installation token for BTCDecoded/bllvm: the token in GitHub's answer has a control character (U+0001) at character 15 of 40, so it cannot be used", errorLine(t, o.stdout))
	assert.NotContains(t, o.stdout, "0123456789")
}

// TestAppJWTIsNeverPrinted: GitHub's refusal quotes the Authorization
// header, JWT and all; the JWT acts as the App for minutes, so the error
// line shows *** in its place, and it appears nowhere else either.
func TestAppJWTIsNeverPrinted(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"installation lookup refuses", http.MethodGet, "/repos/*/*/installation", http.StatusUnauthorized},
		{"installation lookup finds none", http.MethodGet, "/repos/*/*/installation", http.StatusNotFound},
		{"token request refuses", http.MethodPost, "/app/installations/*/access_tokens", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, key := appWorld(t, map[string]int64{"BTCDecoded": 4242})
			jwt := expectedJWT(t, w, key)
			w.srv.Fail(tt.method, tt.path, githubtest.Response{
				Status: tt.status,
				Body:   `{"message":"refused Authorization: Bearer ` + jwt + `","documentation_url":"https://docs.github.com/rest"}`,
			})

			o := w.run()

			assert.Equal(t, 1, o.code)
			var carried bool
			for _, r := range o.requests {
				carried = carried || r.Header.Get("Authorization") == "Bearer "+jwt
			}
			require.True(t, carried, "the fault quotes the JWT the run sent")
			assert.Contains(t, errorLine(t, o.stdout), "refused Authorization: Bearer ***")
			// The runner is asked to mask it the moment it is signed: that
			// line, which the runner consumes, is the only one holding it.
			mask := "::add-mask::" + jwt + "\n"
			assert.True(t, strings.HasPrefix(o.stdout, mask), "the JWT is masked before anything else is written:\n%s", o.stdout)
			for where, text := range map[string]string{"stdout": strings.Replace(o.stdout, mask, "", 1), "stderr": o.stderr, "summary": o.summary} {
				assert.NotContains(t, text, jwt, "JWT in %s", where)
				assert.NotContains(t, text, jwt[strings.LastIndex(jwt, ".")+1:], "JWT's signature in %s", where)
			}
			for name, value := range o.outputs {
				assert.NotContains(t, value, jwt, "JWT in output %s", name)
			}
			assert.Empty(t, w.srv.MintedTokens())
		})
	}
}

// expectedJWT is the JWT the program signs in w: RS256 signatures are
// deterministic and w's clock stands still until the program sleeps.
func expectedJWT(t *testing.T, w *world, key *rsa.PrivateKey) string {
	t.Helper()
	signed, err := appauth.JWT(appauth.Config{AppID: appID, Now: w.clock.Now}, key)
	require.NoError(t, err)
	return signed
}

// hangingRevoke passes every request to the fake but the token's
// revocation, which it holds until the request's context ends, like a
// GitHub that accepted the connection and never answered; cancel, when
// set, is called as the dispatch goes out, as a SIGTERM would arrive.
type hangingRevoke struct {
	next   http.RoundTripper
	cancel context.CancelFunc
}

func (h hangingRevoke) RoundTrip(r *http.Request) (*http.Response, error) {
	switch {
	case r.Method == http.MethodDelete && r.URL.Path == "/installation/token":
		<-r.Context().Done()
		return nil, r.Context().Err()
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/dispatches") && h.cancel != nil:
		h.cancel()
	}
	return h.next.RoundTrip(r)
}

func TestRevokeOnExitIsBounded(t *testing.T) {
	tests := []struct {
		name     string
		sigterm  bool
		wantCode int
	}{
		{name: "after the run", wantCode: 0},
		{name: "after a SIGTERM", sigterm: true, wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := appWorld(t, map[string]int64{"BTCDecoded": 4242})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			transport := hangingRevoke{next: w.srv.Client().Transport}
			if tt.sigterm {
				transport.cancel = cancel
			}
			var stdout, stderr bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- Run(ctx, Env{
					Getenv:        func(k string) string { return w.vars[k] },
					Stdout:        &stdout,
					Stderr:        &stderr,
					HTTPClient:    &http.Client{Transport: transport},
					Now:           w.clock.Now,
					Sleep:         func(context.Context, time.Duration) error { return nil },
					RevokeTimeout: 100 * time.Millisecond,
				})
			}()

			var code int
			select {
			case code = <-done:
			case <-time.After(hangGuard):
				t.Fatalf("the run still waits on the token's revocation after %s", hangGuard)
			}

			assert.Equal(t, tt.wantCode, code, stdout.String())
			assert.Contains(t, stdout.String(), "::warning::revoke the GitHub App installation token: GitHub did not answer within 100ms (it expires within the hour anyway)")
			minted := w.srv.MintedTokens()
			require.Len(t, minted, 1)
			assert.False(t, minted[0].Revoked)
			shown := strings.ReplaceAll(stdout.String(), "::add-mask::"+minted[0].Value+"\n", "")
			assert.NotContains(t, shown+stderr.String(), minted[0].Value[4:])
		})
	}
}
