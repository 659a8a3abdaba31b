package appauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/appauth"
	"github.com/BTCDecoded/release-action/internal/inputs"
)

// appKey is the test App's key, made once per test binary: a 2048-bit key
// takes a while to generate, and none is ever committed.
var appKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testAppKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := appKey()
	require.NoError(t, err)
	return key
}

func pemOf(blockType string, der []byte, headers map[string]string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Headers: headers, Bytes: der})
}

// pkcs1 is the key as GitHub's App settings page downloads it.
func pkcs1(key *rsa.PrivateKey) []byte {
	return pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), nil)
}

func pkcs8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pemOf("PRIVATE KEY", der, nil)
}

const (
	pasteWhole  = "paste the whole .pem file GitHub downloaded, line breaks included, from its -----BEGIN RSA PRIVATE KEY----- line to its -----END RSA PRIVATE KEY----- line, e.g. app-private-key: ${{ secrets.APP_PRIVATE_KEY }}"
	generateKey = "generate a private key on the App's settings page (Private keys) and store the downloaded .pem file in a secret"
)

func TestParseKey(t *testing.T) {
	key := testAppKey(t)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalECPrivateKey(ec)
	require.NoError(t, err)
	publicDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	escaped := strings.ReplaceAll(string(pkcs1(key)), "\n", `\n`)

	tests := []struct {
		name    string
		pem     []byte
		wantErr string // the rule of the app-private-key input error; "" for the test key
	}{
		{"PKCS#1, as GitHub downloads it", pkcs1(key), ""},
		{"PKCS#8", pkcs8(t, key), ""},
		{"line breaks escaped as \\n", []byte(escaped), ""},
		{"escaped and quoted, as in JSON", []byte(`"` + escaped + `"`), ""},
		{"CRLF line breaks and blank lines around", []byte("\r\n" + strings.ReplaceAll(string(pkcs1(key)), "\n", "\r\n") + "\r\n\r\n"), ""},
		{"empty", []byte(" \n"), "is empty: " + pasteWhole},
		{"garbage", []byte("not a key at all"), "is not a PEM private key: " + pasteWhole},
		{"line breaks turned into spaces", []byte(strings.ReplaceAll(string(pkcs1(key)), "\n", " ")), "is not a PEM private key: " + pasteWhole},
		{"cut short", pkcs1(key)[:len(pkcs1(key))/2], "is not a PEM private key: " + pasteWhole},
		{"damaged between BEGIN and END", pemOf("RSA PRIVATE KEY", []byte("definitely not DER"), nil),
			"is not a valid RSA private key (the text between its BEGIN and END lines is damaged or cut short): " + pasteWhole},
		{"PKCS#8 damaged", pemOf("PRIVATE KEY", []byte("definitely not DER"), nil),
			"is not a valid PKCS#8 private key (the text between its BEGIN and END lines is damaged or cut short): " + pasteWhole},
		{"EC key", pemOf("EC PRIVATE KEY", ecDER, nil), "is an EC key; GitHub Apps sign their JWTs with RSA keys: " + generateKey},
		{"EC key as PKCS#8", pkcs8(t, ec), "is an EC key; GitHub Apps sign their JWTs with RSA keys: " + generateKey},
		{"encrypted PKCS#1", pemOf("RSA PRIVATE KEY", []byte("ciphertext"), map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}),
			"is encrypted with a passphrase, which the action cannot ask for: pass the key as GitHub downloaded it, unencrypted, from a secret (openssl rsa -in encrypted.pem -out key.pem decrypts it)"},
		{"encrypted PKCS#8", pemOf("ENCRYPTED PRIVATE KEY", []byte("ciphertext"), nil),
			"is encrypted with a passphrase, which the action cannot ask for: pass the key as GitHub downloaded it, unencrypted, from a secret (openssl rsa -in encrypted.pem -out key.pem decrypts it)"},
		{"1024 bits", pkcs1(weak), "is a 1024-bit RSA key; GitHub Apps need at least 2048 bits: " + generateKey},
		{"the public key", pemOf("PUBLIC KEY", publicDER, nil), "holds a public key, not the private key: " + pasteWhole},
		{"an OpenSSH key", pemOf("OPENSSH PRIVATE KEY", []byte("openssh-key-v1"), nil), "is an OpenSSH key, not a GitHub App's: " + generateKey},
		{"some other block", pemOf("X509 CRL", []byte("crl"), nil), `holds a PEM block of type "X509 CRL", not an RSA private key: ` + pasteWhole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appauth.ParseKey(tt.pem)

			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.True(t, key.Equal(got))
				return
			}
			require.Error(t, err)
			var inputErr *inputs.Error
			require.True(t, errors.As(err, &inputErr), "an input error: %v", err)
			assert.Equal(t, appauth.InputPrivateKey, inputErr.Input)
			assert.Equal(t, tt.wantErr, inputErr.Rule)
			assert.Equal(t, "input app-private-key: "+tt.wantErr, err.Error())
		})
	}
}

func TestParseKeyNeverQuotesTheKey(t *testing.T) {
	key := testAppKey(t)
	block := pkcs1(key)
	lines := strings.Split(string(block), "\n")
	damaged := []byte(strings.Join(append(lines[:3:3], lines[4:]...), "\n"))

	for _, input := range [][]byte{block[:len(block)-40], damaged, []byte(strings.Join(lines[1:len(lines)-2], "\n"))} {
		_, err := appauth.ParseKey(input)
		require.Error(t, err)
		for _, line := range lines[1 : len(lines)-2] {
			assert.NotContains(t, err.Error(), line)
		}
	}
}
