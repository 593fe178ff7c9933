#include "smtp/smtp_tls.hpp"

#include <Poco/Delegate.h>
#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/InvalidCertificateHandler.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLManager.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <mutex>
#include <stdexcept>

namespace brevduva::smtp {

namespace {

thread_local std::string certificate_error;

// Refuses every certificate OpenSSL did not accept, remembering why for the thread that asked.
class RefuseCertificateHandler final : public Poco::Net::InvalidCertificateHandler {
  public:
    RefuseCertificateHandler() : Poco::Net::InvalidCertificateHandler(false) {}
    void onInvalidCertificate(const void*, Poco::Net::VerificationErrorArgs& args) override {
        certificate_error = args.errorMessage();
        args.setIgnoreError(false);
    }
};

void install_refusing_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        Poco::Net::SSLManager::InvalidCertificateHandlerPtr handler(new RefuseCertificateHandler);
        Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, nullptr);
    });
}

bool is_ip_address(const std::string& host) {
    Poco::Net::IPAddress ignored;
    return Poco::Net::IPAddress::tryParse(host, ignored);
}

void bind_host_name(const Poco::Net::Context::Ptr& context, const std::string& host) {
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context->sslContext());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = is_ip_address(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                       : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    if (ok != 1) throw std::runtime_error("cannot check certificates for host " + host);
}

}  // namespace

Poco::Net::Context::Ptr make_tls_context(const config::RelaySettings& relay) {
    if (relay.tls == config::TlsMode::none) return nullptr;
    install_refusing_handler();
    using Poco::Net::Context;
    Context::Params params;
    params.verificationMode =
        relay.verify_certificate ? Context::VERIFY_RELAXED : Context::VERIFY_NONE;
    params.loadDefaultCAs = relay.verify_certificate && relay.ca_file.empty();
    params.caLocation = relay.verify_certificate ? relay.ca_file.string() : std::string();
    params.verificationDepth = 9;
    params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
    try {
        Context::Ptr context = new Context(Context::TLS_CLIENT_USE, params);
        context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
        // Our own host check through OpenSSL replaces Poco's, which resolves names in DNS.
        context->enableExtendedCertificateVerification(false);
        if (relay.verify_certificate) bind_host_name(context, relay.host);
        return context;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("relay " + relay.host + ": cannot set up TLS: " + e.displayText());
    }
}

std::string sni_host(const std::string& host) { return is_ip_address(host) ? "" : host; }

void clear_certificate_error() { certificate_error.clear(); }

std::string last_certificate_error() { return certificate_error; }

}  // namespace brevduva::smtp
