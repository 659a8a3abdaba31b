package appauth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// InputPrivateKey is the input that carries the App's private key.
const InputPrivateKey = "app-private-key"

// minKeyBits is the smallest RSA key GitHub issues or accepts for an App.
const minKeyBits = 2048

const (
	generateKey = "generate a private key on the App's settings page (Private keys) and store the downloaded .pem file in a secret"
	pasteWhole  = "paste the whole .pem file GitHub downloaded, line breaks included, from its -----BEGIN RSA PRIVATE KEY----- line to its -----END RSA PRIVATE KEY----- line, e.g. app-private-key: ${{ secrets.APP_PRIVATE_KEY }}"
)

// ParseKey reads the App's private key: PEM, PKCS#1 ("RSA PRIVATE KEY", as
// GitHub downloads it) or PKCS#8 ("PRIVATE KEY"), RSA of at least 2048
// bits, unencrypted. Its errors name the app-private-key input and never
// quote the key.
//
// A key whose line breaks were turned into the two characters \n (as when
// it is stored in JSON or a one-line variable) is repaired rather than
// refused: neither PEM's BEGIN/END lines nor its base64 ever contain a
// backslash, so the repair cannot change a well-formed key. Surrounding
// whitespace and a pair of surrounding double quotes are dropped for the
// same reason.
func ParseKey(data []byte) (*rsa.PrivateKey, error) {
	data = repairPEM(data)
	if len(data) == 0 {
		return nil, inputs.Errorf(InputPrivateKey, "is empty: %s", pasteWhole)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, inputs.Errorf(InputPrivateKey, "is not a PEM private key: %s", pasteWhole)
	}
	if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, inputs.Errorf(InputPrivateKey, "is encrypted with a passphrase, which the action cannot ask for: pass the key as GitHub downloaded it, unencrypted, from a secret (openssl rsa -in encrypted.pem -out key.pem decrypts it)")
	}

	var parsed any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		return nil, notRSA("an EC key")
	case "OPENSSH PRIVATE KEY":
		return nil, inputs.Errorf(InputPrivateKey, "is an OpenSSH key, not a GitHub App's: %s", generateKey)
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, inputs.Errorf(InputPrivateKey, "holds a %s, not the private key: %s", strings.ToLower(block.Type), pasteWhole)
	default:
		return nil, inputs.Errorf(InputPrivateKey, "holds a PEM block of type %q, not an RSA private key: %s", block.Type, pasteWhole)
	}
	if err != nil {
		// The parser's message says nothing a reader can act on, and some
		// quote the DER structure; the fix is the same whatever it says.
		return nil, inputs.Errorf(InputPrivateKey, "is not a valid %s private key (the text between its BEGIN and END lines is damaged or cut short): %s", pemKind(block.Type), pasteWhole)
	}

	switch key := parsed.(type) {
	case *rsa.PrivateKey:
		if bits := key.N.BitLen(); bits < minKeyBits {
			return nil, inputs.Errorf(InputPrivateKey, "is a %d-bit RSA key; GitHub Apps need at least %d bits: %s", bits, minKeyBits, generateKey)
		}
		return key, nil
	case *ecdsa.PrivateKey:
		return nil, notRSA("an EC key")
	case ed25519.PrivateKey:
		return nil, notRSA("an Ed25519 key")
	default:
		return nil, notRSA("not an RSA key")
	}
}

func notRSA(what string) error {
	return inputs.Errorf(InputPrivateKey, "is %s; GitHub Apps sign their JWTs with RSA keys: %s", what, generateKey)
}

func pemKind(blockType string) string {
	if blockType == "PRIVATE KEY" {
		return "PKCS#8"
	}
	return "RSA"
}

// repairPEM undoes the usual ways a key is mangled on its way into a
// secret or variable; see ParseKey.
func repairPEM(data []byte) []byte {
	data = bytes.TrimSpace(data)
	if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' {
		data = bytes.TrimSpace(data[1 : len(data)-1])
	}
	if bytes.Contains(data, []byte(`\n`)) {
		data = bytes.ReplaceAll(data, []byte(`\r\n`), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte(`\n`), []byte("\n"))
	}
	return data
}
