package app

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const appID = "123456"

// appWorld is bllvm-consensus dispatching with a GitHub App instead of a
// PAT; the key pair is made here, never committed.
func appWorld(t *testing.T, installations map[string]int64) (*world, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	w := newWorld(t, githubtest.WithApp(appID, &key.PublicKey, installations)).with(map[string]string{
		"INPUT_APP-ID":          appID,
		"INPUT_APP-PRIVATE-KEY": string(pemKey),
	})
	delete(w.vars, "INPUT_TOKEN")
	return w, key
}

func TestAppTokenDispatch(t *testing.T) {
	w, _ := appWorld(t, map[string]int64{"BTCDecoded": 4242})
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)

	minted := w.srv.MintedTokens()
	require.Len(t, minted, 1)
	tok := minted[0]
	assert.Equal(t, []string{"bllvm"}, tok.Repositories, "limited to the orchestrator")
	assert.Equal(t, map[string]string{"contents": "write"}, tok.Permissions, "and to what a dispatch needs")
	assert.True(t, tok.Revoked, "revoked at the end of the run")

	var paths []string
	for _, r := range o.requests {
		paths = append(paths, r.Method+" "+r.Path)
	}
	assert.Equal(t, []string{
		"GET /repos/BTCDecoded/bllvm/installation",
		"POST /app/installations/4242/access_tokens",
		"POST /repos/BTCDecoded/bllvm/dispatches",
		"DELETE /installation/token",
	}, paths)
	assert.Equal(t, "Bearer "+tok.Value, o.requests[2].Header.Get("Authorization"), "the dispatch uses the minted token")
	require.Len(t, w.srv.Dispatches(), 1)

	// The JWT is masked the moment it is signed and the minted token the
	// moment it arrives, before anything else is written; each appears
	// nowhere but in its ::add-mask:: line.
	lines := strings.Split(o.stdout, "\n")
	jwts := w.srv.JWTs()
	require.NotEmpty(t, jwts)
	var masks []string
	for _, jwt := range jwts {
		if mask := "::add-mask::" + jwt.Raw; !slices.Contains(masks, mask) {
			masks = append(masks, mask)
		}
	}
	masks = append(masks, "::add-mask::"+tok.Value)
	var leading []string
	for _, line := range lines {
		if !strings.HasPrefix(line, "::add-mask::") {
			break
		}
		leading = append(leading, line)
	}
	require.GreaterOrEqual(t, len(leading), len(masks), o.stdout)
	assert.Equal(t, masks, leading[len(leading)-len(masks):], "first the masks: the JWT's, then the minted token's")
	assert.Equal(t, 1, strings.Count(o.stdout, tok.Value))
	assert.NotContains(t, o.summary, tok.Value)
	for name, v := range o.outputs {
		assert.NotContains(t, v, tok.Value, name)
	}
	for _, jwt := range jwts {
		assert.Equal(t, 1, strings.Count(o.stdout, jwt.Raw), "the JWT only in its mask")
	}
}

func TestAppTokenFailures(t *testing.T) {
	tests := []struct {
		name          string
		installations map[string]int64
		vars          map[string]string
		requests      int
		want          string
	}{
		{"not installed on the owner", map[string]int64{"someone-else": 1}, nil, 1, "the GitHub App is not installed on BTCDecoded"},
		{"wrong App id", map[string]int64{"BTCDecoded": 4242}, map[string]string{"INPUT_APP-ID": "654321"}, 1, "check that `app-id` is the ID of the App whose private key is in `app-private-key`"},
		{"not a key", map[string]int64{"BTCDecoded": 4242}, map[string]string{"INPUT_APP-PRIVATE-KEY": "ghp_notakey"}, 0, "input app-private-key: is not a PEM private key"},
		{"key without id", map[string]int64{"BTCDecoded": 4242}, map[string]string{"INPUT_APP-ID": ""}, 0, "input app-id: is empty, but app-private-key is set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := appWorld(t, tt.installations)
			w.with(tt.vars)
			o := w.run()
			assert.Equal(t, 1, o.code)
			assert.Len(t, o.requests, tt.requests)
			assert.Contains(t, errorLine(t, o.stdout), tt.want)
			assert.Empty(t, w.srv.Dispatches())
			body := strings.Split(w.vars["INPUT_APP-PRIVATE-KEY"], "\n")
			if len(body) > 2 {
				assert.NotContains(t, o.stdout, body[1], "the key is never printed")
			}
		})
	}
}
