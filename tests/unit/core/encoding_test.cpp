#include "core/encoding.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "core/crypto.hpp"

namespace agm::core {
namespace {

constexpr std::string_view kB64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYg==").value(), "foob");
  EXPECT_EQ(base64_decode("Zm9vYg").value(), "foob");
  EXPECT_FALSE(base64_decode("Zm9v YmFy").has_value());
  EXPECT_FALSE(base64_decode("Z").has_value());
}

TEST(Base64Url, NoPaddingAndStrictAlphabet) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_").value(), bytes);
  EXPECT_FALSE(base64url_decode("+/+/").has_value());
  EXPECT_FALSE(base64url_decode("Zg==").has_value());
  EXPECT_FALSE(base64url_decode("Zh").has_value()) << "non-zero trailing bits are not canonical";
  EXPECT_EQ(base64url_decode("Zg").value(), "f");
}

// Every length from 0 to 40 bytes, against OpenSSL's encoder as the reference: decode(encode)
// gives the bytes back, a character outside the alphabet anywhere is refused, and so is any
// non-zero value in the unused bits of the last character.
TEST(Base64Url, RoundTripsAndRefusesEveryBadCharacterAndNonCanonicalTail) {
  const std::string bytes = random_bytes(40);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    const std::string in = bytes.substr(0, n);
    std::string reference((n + 2) / 3 * 4 + 1, '\0');
    const int len =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(reference.data()),
                        reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(n));
    reference.resize(static_cast<std::size_t>(len));
    EXPECT_EQ(base64_encode(in), reference) << n;
    EXPECT_EQ(base64_decode(reference).value_or("<refused>"), in) << n;
    const std::string url = base64url_encode(in);
    ASSERT_EQ(base64url_decode(url).value_or("<refused>"), in) << n;
    for (std::size_t i = 0; i < url.size(); ++i) {
      for (const char bad : {'=', '+', '/', ' ', '\0', '.'}) {
        std::string t = url;
        t[i] = bad;
        EXPECT_FALSE(base64url_decode(t).has_value()) << n << " at " << i;
      }
    }
    if (url.size() % 4 == 2 || url.size() % 4 == 3) {
      const int unused = url.size() % 4 == 2 ? 4 : 2;
      for (int bit = 0; bit < unused; ++bit) {
        std::string t = url;
        const auto pos = kB64UrlAlphabet.find(t.back());
        t.back() = kB64UrlAlphabet[pos ^ (1U << static_cast<unsigned>(bit))];
        EXPECT_FALSE(base64url_decode(t).has_value()) << n << " bit " << bit;
      }
    }
  }
}

TEST(Hex, RoundTripAndRejects) {
  EXPECT_EQ(hex_encode(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(hex_decode("00ABff").value(), std::string("\x00\xab\xff", 3));
  EXPECT_FALSE(hex_decode("abc").has_value());
  EXPECT_FALSE(hex_decode("zz").has_value());
}

TEST(Percent, EncodeDecodeAndForm) {
  EXPECT_EQ(percent_encode("a b/c~"), "a%20b%2Fc~");
  EXPECT_EQ(percent_decode("a+b%2F", true).value(), "a b/");
  EXPECT_EQ(percent_decode("a+b", false).value(), "a+b");
  EXPECT_FALSE(percent_decode("%4", true).has_value());
  EXPECT_FALSE(percent_decode("%", true).has_value());
  EXPECT_FALSE(percent_decode("%zz", true).has_value());
  const auto form = parse_form("grant_type=client_credentials&scope=a%2Fb+c&&flag");
  ASSERT_TRUE(form.has_value());
  ASSERT_EQ(form->size(), 3U);
  EXPECT_EQ((*form)[0].second, "client_credentials");
  EXPECT_EQ((*form)[1].second, "a/b c");
  EXPECT_EQ((*form)[2].first, "flag");
  EXPECT_FALSE(parse_form("a=%G1").has_value());
}

TEST(Crypto, Sha256AndHmacKnownAnswers) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(random_bytes(16).size(), 16U);
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace agm::core
