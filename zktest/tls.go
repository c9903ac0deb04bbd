package zktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// CA is a throw-away certificate authority for TLS tests: it issues server
// and client certificates that a tls.Config trusts through Pool.
type CA struct {
	cert    *x509.Certificate
	certPEM []byte
	key     *ecdsa.PrivateKey
}

// NewCA creates a self-signed CA valid for a day.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// CertPEM returns the CA certificate in PEM.
func (ca *CA) CertPEM() []byte { return append([]byte(nil), ca.certPEM...) }

// Pool returns a pool holding only this CA, for tls.Config.RootCAs.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Issue returns a certificate for hosts (DNS names or IP literals, which
// become subject alternative names), usable by a server and by a client,
// as PEM: the certificate and its PKCS#8 private key.
func (ca *CA) Issue(cn string, hosts ...string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), nil
}

// ClientCert issues a client certificate as a tls.Certificate.
func (ca *CA) ClientCert(cn string) (tls.Certificate, error) {
	c, k, err := ca.Issue(cn)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(c, k)
}

// TLSServer describes the secure client port of a server started with
// its Option: where it listens and which CA signed its certificate.
type TLSServer struct {
	// Addr is the secure client address, "127.0.0.1:port".
	Addr string
	// CA signed the server's certificate (SANs 127.0.0.1, ::1 and
	// localhost) and is the only CA the server trusts for client
	// certificates.
	CA  *CA
	opt Option
}

// Option returns the server option that turns the secure port on.
func (s *TLSServer) Option() Option { return s.opt }

// ClientConfig returns a client configuration that trusts the server's CA,
// with no client certificate.
func (s *TLSServer) ClientConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CA.Pool(), MinVersion: tls.VersionTLS12}
}

// NewTLSServer prepares a secure client port (protocol.md §12.5): a fresh
// CA, a server certificate and key written as PEM key and trust stores
// into dir (which must outlive the server, e.g. t.TempDir()), a free port,
// and the zoo.cfg lines that make the server listen there with the Netty
// connection factory. clientAuth is "none", "want" or "need" (a client
// certificate signed by CA is then required). The plain client port keeps
// working, so readiness probes and four-letter words still use it.
func NewTLSServer(dir, clientAuth string) (*TLSServer, error) {
	switch clientAuth {
	case "none", "want", "need":
	default:
		return nil, fmt.Errorf("zktest: ssl.clientAuth %q: want none, want or need", clientAuth)
	}
	ca, err := NewCA("zktest CA")
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := ca.Issue("localhost", "localhost", "127.0.0.1", "::1")
	if err != nil {
		return nil, err
	}
	keyStore := filepath.Join(dir, "keystore.pem")
	trustStore := filepath.Join(dir, "truststore.pem")
	if err := os.WriteFile(keyStore, append(keyPEM, certPEM...), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(trustStore, ca.CertPEM(), 0o644); err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	s := &TLSServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), CA: ca}
	s.opt = WithConfig(
		"secureClientPort="+strconv.Itoa(ports[0]),
		"secureClientPortAddress=127.0.0.1",
		"serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
		"ssl.keyStore.location="+keyStore,
		"ssl.keyStore.type=PEM",
		"ssl.trustStore.location="+trustStore,
		"ssl.trustStore.type=PEM",
		"ssl.clientAuth="+clientAuth,
	)
	return s, nil
}
