// Test-only: a fresh RSA-2048 and Ed25519 key pair in a scratch folder, a signer that uses both
// (RSA first), and the call that hands a signed message to python3-dkim with the keys' DNS
// records. Shared by the signer's and the composer's oracle tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "templates/templates_dkim_key.hpp"
#include "templates/templates_dkim_signer.hpp"
#include "templates/templates_mime_testkit.hpp"

namespace brevduva::templates::testkit {

struct DualKeySigner {
    std::unique_ptr<DkimSigner> signer;
    std::vector<std::string> records;  // "selector=TXT value", as dkim_verify.py takes them
};

inline DualKeySigner make_dual_key_signer(const TempDir& dir) {
    generate_dkim_key(DkimAlgorithm::rsa_sha256, dir / "rsa.pem");
    generate_dkim_key(DkimAlgorithm::ed25519_sha256, dir / "ed.pem");
    const DkimKey rsa = DkimKey::load_pem_file(dir / "rsa.pem");
    const DkimKey ed = DkimKey::load_pem_file(dir / "ed.pem");
    DualKeySigner out;
    out.records = {"rsa2025=" + dkim_dns_record(rsa), "ed2025=" + dkim_dns_record(ed)};
    std::vector<DkimSignatureKey> keys;
    keys.push_back({"rsa2025", rsa.share()});
    keys.push_back({"ed2025", ed.share()});
    out.signer = std::make_unique<DkimSigner>(
        DkimSignerSettings{"example.se", "", std::string(kDefaultSignedHeaders)}, std::move(keys));
    return out;
}

inline ToolRun verify_with_dkimpy(const TempDir& dir, const std::string& file_name,
                                  const std::string& message,
                                  const std::vector<std::string>& records) {
    write_file(dir / file_name, message);
    std::vector<std::string> args{(dir / file_name).string()};
    args.insert(args.end(), records.begin(), records.end());
    return run_python_tool(dir, "dkim_verify.py", args);
}

}  // namespace brevduva::templates::testkit
