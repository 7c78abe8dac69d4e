#include "guardian_state.h"

#include "tabella/client/key_files.h"
#include "tabella/util/canonical.h"

namespace tabella::guardian {

namespace {
constexpr std::string_view kMagic = "tabella-guardian-state/1";
}

Status GuardianState::save(const std::filesystem::path& path, bool overwrite) const {
  SecretBytes encoded_secrets = secrets.encode();
  Writer w;
  w.text(kMagic).u32(secrets.index()).field(encoded_secrets.view()).u8(share ? 1 : 0);
  if (share) w.scalar(*share);
  Bytes bytes = std::move(w).bytes();
  Status st = client::write_private_file(path, bytes, overwrite);
  secure_zero(bytes.data(), bytes.size());
  return st;
}

Result<GuardianState> GuardianState::load(const std::filesystem::path& path) {
  auto data = client::read_private_file(path, 1u << 16);
  if (!data) return data.error();
  auto damaged = [&path](const Error& e) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "not a guardian state file (" + e.describe() + ")", path.string());
  };
  Reader r(data->view());
  auto magic = r.text("magic");
  if (!magic || *magic != kMagic)
    return damaged(make_error(ErrorCode::kInvalidEncoding, "bad magic"));
  auto index = r.u32("index");
  if (!index) return damaged(index.error());
  auto enc = r.field("secrets", 4096);
  if (!enc) return damaged(enc.error());
  auto secrets = GuardianSecrets::decode(*enc);
  if (!secrets) return damaged(secrets.error());
  if (secrets->index() != *index) {
    return damaged(make_error(ErrorCode::kInvalidEncoding, "index mismatch"));
  }
  auto has = r.u8("has_share");
  if (!has || *has > 1) return damaged(make_error(ErrorCode::kInvalidEncoding, "bad flag"));
  GuardianState st{std::move(*secrets), std::nullopt};
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
