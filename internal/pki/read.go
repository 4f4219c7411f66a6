package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ReadCertFile reads the first certificate of the PEM file at path. Its
// errors say which file and what is wrong: missing, not PEM, a block of
// another type (a key where a certificate belongs), or not parseable.
func ReadCertFile(path string) (*x509.Certificate, error) {
	certs, err := ReadCertsFile(path)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ReadCertsFile reads every CERTIFICATE block of the PEM file at path, in
// order (a leaf and its chain, or a CA bundle). It fails if there is none.
func ReadCertsFile(path string) ([]*x509.Certificate, error) {
	blocks, err := readPEM(path, "certificate")
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate file %s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("certificate file %s: PEM block is %q, expected \"CERTIFICATE\" (are the certificate and key paths swapped?)", path, blocks[0].Type)
	}
	return certs, nil
}

// ReadKeyFile reads a private key from the PEM file at path: PKCS #8
// ("PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY") or PKCS #1 ("RSA PRIVATE KEY").
func ReadKeyFile(path string) (crypto.Signer, error) {
	blocks, err := readPEM(path, "key")
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		key, ok, err := parseKeyBlock(b)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
		if ok {
			return key, nil
		}
	}
	return nil, fmt.Errorf("key file %s: PEM block is %q, expected \"PRIVATE KEY\" (are the certificate and key paths swapped?)", path, blocks[0].Type)
}

// parseKeyBlock parses b if it is a private-key block; ok is false for any
// other block type.
func parseKeyBlock(b *pem.Block) (key crypto.Signer, ok bool, err error) {
	var k any
	switch b.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("parse %s: %w", b.Type, err)
	}
	signer, isSigner := k.(crypto.Signer)
	if !isSigner {
		return nil, true, fmt.Errorf("unsupported key type %T", k)
	}
	return signer, true, nil
}

// LoadPair reads a certificate (with any chain after it) and its key, and
// checks that the key matches the certificate.
func LoadPair(certPath, keyPath string) (tls.Certificate, error) {
	certs, err := ReadCertsFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := ReadKeyFile(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := matchKey(certs[0], key, certPath, keyPath); err != nil {
		return tls.Certificate{}, err
	}
	chain := make([][]byte, len(certs))
	for i, c := range certs {
		chain[i] = c.Raw
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: certs[0]}, nil
}

// matchKey checks that key is the private half of cert's public key.
func matchKey(cert *x509.Certificate, key crypto.Signer, certPath, keyPath string) error {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return fmt.Errorf("key file %s does not match certificate %s; pass the key that was issued with this certificate", keyPath, certPath)
	}
	return nil
}

// readPEM reads every PEM block of the file at path; what names the kind
// of file for the error messages.
func readPEM(path, what string) ([]*pem.Block, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s file %s does not exist; check the path: %w", what, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s file %s: %w", what, path, err)
	}
	var blocks []*pem.Block
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("%s file %s is not PEM: no \"-----BEGIN ...-----\" block found", what, path)
	}
	return blocks, nil
}
