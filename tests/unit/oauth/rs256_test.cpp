// Rs256Key: the prepared RS256 verification accepts exactly what EVP_DigestVerify with SHA-256
// accepts. Signatures are made here with OpenSSL from keys generated here.
#include "oauth/rs256.hpp"

#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/openssl.hpp"
#include "support/jwt_signer.hpp"

namespace agm::oauth {
namespace {

using agm::test::TestRsaKey;

// A reference that shares the test key (the Rs256Key owns its own reference).
core::openssl::PkeyPtr share(EVP_PKEY* key) {
  EVP_PKEY_up_ref(key);
  return core::openssl::PkeyPtr(key);
}

// PKCS#1 v1.5 signature of `data` with digest `md`, as EVP_DigestSign makes it.
std::string sign(EVP_PKEY* key, const EVP_MD* md, std::string_view data) {
  const core::openssl::MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, in, data.size()) != 1)
    throw std::runtime_error("sign: init");
  std::string out(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, in,
                     data.size()) != 1)
    throw std::runtime_error("sign");
  out.resize(size);
  return out;
}

// The SHA-256 digest padded with PKCS#1 v1.5 but without the DigestInfo that names SHA-256: a
// verifier that only compares digests would take it.
std::string sign_bare_digest(EVP_PKEY* key, std::string_view data) {
  unsigned char digest[32];
  unsigned int digest_size = 0;
  const core::openssl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  std::size_t size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_size, EVP_sha256(), nullptr) != 1 ||
      !ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &size, digest, digest_size) != 1)
    throw std::runtime_error("sign_bare_digest: init");
  std::string out(size, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, digest,
                    digest_size) != 1)
    throw std::runtime_error("sign_bare_digest");
  out.resize(size);
  return out;
}

class Rs256KeyTest : public ::testing::Test {
 protected:
  TestRsaKey signer{"k"};
  Rs256Key key{share(signer.get())};
  std::string input = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQtYSJ9";
};

TEST_F(Rs256KeyTest, AcceptsItsOwnSignatureAndNothingChanged) {
  const std::string good = sign(signer.get(), EVP_sha256(), input);
  EXPECT_TRUE(key.verify(input, good));
  std::string flipped = good;
  flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
  EXPECT_FALSE(key.verify(input, flipped));
  std::string other = input;
  other.back() = 'X';
  EXPECT_FALSE(key.verify(other, good));
  EXPECT_FALSE(key.verify(input, good.substr(1)));  // one byte short of the modulus
  EXPECT_FALSE(key.verify(input, good + std::string(1, '\0')));
  EXPECT_FALSE(key.verify(input, ""));
  EXPECT_FALSE(key.verify(input, std::string(good.size(), '\0')));
}

TEST_F(Rs256KeyTest, RefusesAnotherDigestAndADigestWithoutItsDigestInfo) {
  EXPECT_FALSE(key.verify(input, sign(signer.get(), EVP_sha384(), input)));
  EXPECT_FALSE(key.verify(input, sign(signer.get(), EVP_sha1(), input)));
  EXPECT_FALSE(key.verify(input, sign_bare_digest(signer.get(), input)));
}

TEST_F(Rs256KeyTest, RefusesASignatureOfAnotherKey) {
  const TestRsaKey other("other");
  EXPECT_FALSE(key.verify(input, sign(other.get(), EVP_sha256(), input)));
}

TEST_F(Rs256KeyTest, ThreadsVerifyAtOnceWithTheSameKey) {
  const std::string good = sign(signer.get(), EVP_sha256(), input);
  std::string bad = good;
  bad[7] = static_cast<char>(bad[7] ^ 0x10);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (!key.verify(input, good) || key.verify(input, bad))
          ++wrong;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Rs256KeyBuild, RefusesAKeyThatIsNotRsa) {
  core::openssl::PkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(ec);
  EXPECT_THROW(Rs256Key{std::move(ec)}, std::runtime_error);
  EXPECT_THROW(Rs256Key{core::openssl::PkeyPtr()}, std::runtime_error);
}

}  // namespace
}  // namespace agm::oauth
