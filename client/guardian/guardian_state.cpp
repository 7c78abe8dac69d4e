#include "guardian_state.h"

#include "tabella/client/key_files.h"
#include "tabella/crypto/passphrase_box.h"
#include "tabella/util/canonical.h"

namespace tabella::guardian {

namespace {
constexpr std::string_view kMagic = "tabella-guardian-state/2";
}

Status GuardianState::save(const std::filesystem::path& path, std::string_view passphrase,
                           bool overwrite) const {
  Writer w;
  w.text(kMagic).u32(index).u8(secrets ? 1 : 0);
  if (secrets) {
    SecretBytes encoded_secrets = secrets->encode();
    w.field(encoded_secrets.view());
  }
  w.u8(share ? 1 : 0);
  if (share) w.scalar(*share);
  Bytes plain = std::move(w).bytes();
  Bytes sealed = seal_with_passphrase(plain, passphrase);
  secure_zero(plain.data(), plain.size());
  return client::write_private_file(path, sealed, overwrite);
}

Result<GuardianState> GuardianState::load(const std::filesystem::path& path,
                                          std::string_view passphrase) {
  auto data = client::read_private_file(path, 1u << 16);
  if (!data) return data.error();
  auto damaged = [&path](const Error& e) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "not a guardian state file (" + e.describe() + ")", path.string());
  };
  auto plain = open_with_passphrase(data->view(), passphrase);
  if (!plain) {
    if (plain.error().code == ErrorCode::kPermission) {
      return make_error(ErrorCode::kPermission,
                        "cannot decrypt the guardian state file: wrong passphrase (or the file "
                        "was changed)",
                        path.string());
    }
    return damaged(plain.error());
  }
  Reader r(plain->view());
  auto magic = r.text("magic");
  if (!magic || *magic != kMagic) {
    return damaged(make_error(ErrorCode::kInvalidEncoding, "bad magic"));
  }
  auto index = r.u32("index");
  if (!index) return damaged(index.error());
  GuardianState st;
  st.index = *index;
  auto has_secrets = r.u8("has_secrets");
  if (!has_secrets || *has_secrets > 1) {
    return damaged(make_error(ErrorCode::kInvalidEncoding, "bad flag"));
  }
  if (*has_secrets == 1) {
    auto enc = r.field("secrets", 4096);
    if (!enc) return damaged(enc.error());
    auto secrets = GuardianSecrets::decode(*enc);
    if (!secrets) return damaged(secrets.error());
    if (secrets->index() != *index) {
      return damaged(make_error(ErrorCode::kInvalidEncoding, "index mismatch"));
    }
    st.secrets.emplace(std::move(*secrets));
  }
  auto has = r.u8("has_share");
  if (!has || *has > 1) return damaged(make_error(ErrorCode::kInvalidEncoding, "bad flag"));
  if (*has == 1) {
    auto s = r.scalar("share");
    if (!s) return damaged(s.error());
    st.share = *s;
  }
  Status end = r.finish("state");
  if (!end.ok()) return damaged(end.error());
  return st;
}

}  // namespace tabella::guardian
