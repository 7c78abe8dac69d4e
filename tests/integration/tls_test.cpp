// TLS on the ledger's HTTP server (--tls-cert/--tls-key): a real server on 127.0.0.1 with a
// certificate made here (self-signed P-256, subjectAltName IP:127.0.0.1), talked to by the
// client library the kiosk, tabella-admin and tabella-guardian use, with verification on.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "support/accept_all_ledger.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "tabella/http/client.h"
#include "tabella/server/http_server.h"
#include "tabella/server/ledger_node.h"
#include "tabella/server/log.h"

namespace tabella::server {
namespace {

using nlohmann::json;
using testing::TempDir;

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// Writes cert.pem and key.pem for CN/SAN 127.0.0.1 into dir; false on any OpenSSL failure.
bool make_self_signed(const std::filesystem::path& dir) {
  std::unique_ptr<EVP_PKEY, KeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  std::unique_ptr<X509, CertFree> cert(X509_new());
  if (!key || !cert) return false;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                            const_cast<char*>("IP:127.0.0.1"));
  if (san == nullptr) return false;
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return false;
  std::unique_ptr<BIO, BioFree> c(BIO_new_file((dir / "cert.pem").c_str(), "w"));
  std::unique_ptr<BIO, BioFree> k(BIO_new_file((dir / "key.pem").c_str(), "w"));
  return c && k && PEM_write_bio_X509(c.get(), cert.get()) == 1 &&
         PEM_write_bio_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

// The ledger node over TLS as tabella-ledger runs it (LedgerNode with --tls-cert/--tls-key), with
// the tests' accept-all record layer and opaque entry routes in place of an election.
struct TlsLedger {
  TlsLedger(const std::filesystem::path& data, const std::filesystem::path& certs) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = data.string();
    config.verify_threads = 2;
    config.tls_cert = (certs / "cert.pem").string();
    config.tls_key = (certs / "key.pem").string();
    LedgerHooks hooks;
    hooks.record = &record;
    hooks.add_routes = [](Router& r, LedgerNode& n) {
      testing::register_opaque_entry_routes(
          r, {n.storage(), n.committer(), n.pool(), n.metrics(), {}});
    };
    auto started_node = LedgerNode::start(config, hooks);
    if (started_node) {
      node = std::move(*started_node);
    } else {
      started = started_node.error();
    }
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(node->port()); }

  testing::AcceptAllHooks record;  // outlives the node
  std::unique_ptr<LedgerNode> node;
  Status started;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { set_logging_enabled(false); }
  void SetUp() override { ASSERT_TRUE(make_self_signed(certs_.path())); }
  TempDir data_, certs_;
};

TEST_F(TlsTest, ClientTrustingTheCertificateAppendsAndReads) {
  TlsLedger ledger(data_.path(), certs_.path());
  ASSERT_TRUE(ledger.started.ok()) << ledger.started.error().describe();
  http::Options o;
  o.ca_file = (certs_.path() / "cert.pem").string();
  auto ledger_http = http::Client::create(ledger.url(), o);
  ASSERT_TRUE(ledger_http.ok()) << ledger_http.error().describe();
  auto posted = ledger_http->post_json("/v1/entries",
                                       json{{"entry", to_base64(as_bytes("over tls"))}}.dump());
  ASSERT_TRUE(posted.ok()) << posted.error().describe();
  EXPECT_EQ(posted->status, 200u) << posted->body;
  auto status = ledger_http->get("/v1/status");
  ASSERT_TRUE(status.ok()) << status.error().describe();
  EXPECT_EQ(status->status, 200u);
  EXPECT_EQ(json::parse(status->body)["size"], 1);
  // Keep-alive: several requests on one TLS connection.
  for (int i = 0; i < 5; ++i) {
    auto again = ledger_http->get("/healthz");
    ASSERT_TRUE(again.ok()) << again.error().describe();
    EXPECT_EQ(again->status, 200u);
  }
}

TEST_F(TlsTest, ClientNotTrustingTheCertificateIsRefused) {
  TlsLedger ledger(data_.path(), certs_.path());
  ASSERT_TRUE(ledger.started.ok()) << ledger.started.error().describe();
  auto ledger_http = http::Client::create(ledger.url());  // system CAs only
  ASSERT_TRUE(ledger_http.ok());
  auto r = ledger_http->get("/v1/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure(), http::Failure::kTls) << r.error().describe();
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
  TlsLedger ledger(data_.path(), certs_.path());
  ASSERT_TRUE(ledger.started.ok()) << ledger.started.error().describe();
  testing::HttpClient plain(ledger.node->port());
  auto r = plain.get("/v1/status");
  EXPECT_TRUE(!r.ok() || r->status == 0 || r->status >= 400)
      << "a plain request was answered: " << r->status;
  // The server is unharmed: a TLS client still gets through.
  http::Options o;
  o.ca_file = (certs_.path() / "cert.pem").string();
  auto ledger_http = http::Client::create(ledger.url(), o);
  ASSERT_TRUE(ledger_http.ok());
  auto ok = ledger_http->get("/healthz");
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->status, 200u);
}

TEST_F(TlsTest, MissingOrMismatchedFilesAreRefusedAtStart) {
  Router router;
  Metrics metrics;
  auto start_with = [&](std::string cert, std::string key) {
    HttpServerOptions o;
    o.port = 0;
    o.tls_cert_file = std::move(cert);
    o.tls_key_file = std::move(key);
    HttpServer server(o, router, &metrics);
    return server.start();
  };
  const std::string cert = (certs_.path() / "cert.pem").string();
  const std::string key = (certs_.path() / "key.pem").string();
  Status no_key = start_with(cert, "");
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().field, "tls_key");
  Status missing = start_with(cert, (certs_.path() / "absent.pem").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().describe().find("absent.pem"), std::string::npos)
      << missing.error().describe();
  // A key that does not belong to the certificate.
  TempDir other;
  ASSERT_TRUE(make_self_signed(other.path()));
  Status mismatched = start_with(cert, (other.path() / "key.pem").string());
  EXPECT_FALSE(mismatched.ok());
  EXPECT_TRUE(start_with(cert, key).ok());
}

}  // namespace
}  // namespace tabella::server
