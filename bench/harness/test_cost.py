"""The cost model on a small recorded results file (testdata/functions_small.json, rounded from a
`make bench` run): each figure worked out by hand below, so a changed formula or price fails.

  python3 -m unittest discover -s bench/harness -p 'test_*.py'
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cost  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = {"cpp": "ours", "python": "Python", "node": "Node"}


def recorded():
    with open(os.path.join(HERE, "testdata", "functions_small.json")) as f:
        return json.load(f)


def row(rows, impl, arch, behaviour):
    return next(r for r in rows if (r["impl"], r["arch"], r["behaviour"]) == (impl, arch, behaviour))


class PriceTable(unittest.TestCase):
    def test_one_dated_table_with_sources(self):
        self.assertRegex(cost.PRICES["date"], r"^\d{4}-\d{2}-\d{2}$")
        self.assertEqual(cost.PRICES["api_gateway_http_per_million"], 1.00)
        self.assertEqual(cost.PRICES["lambda_requests_per_million"], 0.20)
        self.assertEqual(cost.PRICES["lambda_gb_second"], {"x86_64": 0.0000166667,
                                                           "arm64": 0.0000133334})
        self.assertEqual(cost.PRICES["cognito_m2m_per_token"], 0.00225)
        self.assertTrue(all(u.startswith("https://") for u in cost.SOURCES))
        # arm64 is about 20% less per GB-second.
        g = cost.PRICES["lambda_gb_second"]
        self.assertAlmostEqual(g["arm64"] / g["x86_64"], 0.8, places=4)


class Memory(unittest.TestCase):
    def test_smallest_size_holding_the_rss_with_headroom(self):
        self.assertEqual(cost.lambda_memory_mb(7940), 128)
        self.assertEqual(cost.lambda_memory_mb(128 * 1024 / 1.5), 128)
        self.assertEqual(cost.lambda_memory_mb(128 * 1024 / 1.5 + 1), 256)
        self.assertEqual(cost.lambda_memory_mb(10 ** 7), 1769)

    def test_cpu_part_stretches_below_one_vcpu(self):
        scaled, billed = cost.billed_ms(0.15, 0.10, 128)
        self.assertAlmostEqual(scaled, 0.05 + 0.10 * 1769 / 128)
        self.assertEqual(billed, 2)
        self.assertEqual(cost.billed_ms(0.30, 0.31, 128)[1], 5)  # CPU capped at the duration
        self.assertEqual(cost.billed_ms(0.0001, 0.0, 1769)[1], 1)  # at least 1 ms


class Table(unittest.TestCase):
    def setUp(self):
        self.rows = cost.table(recorded())

    def test_every_impl_architecture_and_behaviour(self):
        self.assertEqual(len(self.rows), 3 * 2 * 2)
        self.assertEqual({r["billed_ms"] for r in self.rows if r["impl"] == "node"}, {9})

    def test_ours_token_per_hour_arm64_by_hand(self):
        r = row(self.rows, "cpp", "arm64", "token_per_hour")
        tokens = 1e6 / 3600
        self.assertAlmostEqual(r["token_requests"], tokens)
        self.assertAlmostEqual(r["cognito_calls"], tokens)
        self.assertAlmostEqual(r["api_gateway_usd"], (1e6 + tokens) / 1e6 * 1.00)
        authorizer = 1e6 * (0.20 / 1e6 + 2 / 1000 * 128 / 1024 * 0.0000133334)
        self.assertAlmostEqual(r["authorizer_usd"], authorizer)
        token_fn = tokens * (0.20 / 1e6 + 60 / 1000 * 128 / 1024 * 0.0000133334)
        self.assertAlmostEqual(r["token_function_usd"], token_fn)
        self.assertAlmostEqual(r["cognito_usd"], tokens * 0.00225)
        self.assertAlmostEqual(r["total_usd"], (1e6 + tokens) / 1e6 + authorizer + token_fn
                               + tokens * 0.00225)

    def test_token_per_request_cognito_dominates_without_the_cache(self):
        peer = row(self.rows, "python", "arm64", "token_per_request")
        self.assertEqual(peer["cognito_calls"], 1e6)
        self.assertAlmostEqual(peer["cognito_usd"], 2250.0)
        self.assertAlmostEqual(peer["api_gateway_usd"], 2.0)
        ours = row(self.rows, "cpp", "arm64", "token_per_request")
        # The cache goes back to Cognito every 54 minutes of an hour's token (margin 6 min).
        self.assertAlmostEqual(ours["cognito_calls"], 1e6 / 3600 * 3600 / 3240)
        hits = 1e6 - ours["cognito_calls"]
        self.assertAlmostEqual(
            ours["token_function_usd"],
            ours["cognito_calls"] * (0.2e-6 + 0.060 * 0.125 * 0.0000133334)
            + hits * (0.2e-6 + 0.008 * 0.125 * 0.0000133334))
        self.assertLess(ours["total_usd"] * 100, peer["total_usd"])

    def test_arm64_costs_less_lambda_than_x86(self):
        for b in cost.BEHAVIOURS:
            arm = row(self.rows, "node", "arm64", b)
            x86 = row(self.rows, "node", "x86_64", b)
            self.assertEqual(arm["api_gateway_usd"], x86["api_gateway_usd"])
            self.assertEqual(arm["cognito_usd"], x86["cognito_usd"])
            self.assertLess(arm["lambda_usd"], x86["lambda_usd"])
            gb_s = 1e6 * 9 / 1000 * 128 / 1024
            self.assertAlmostEqual(x86["authorizer_usd"] - arm["authorizer_usd"],
                                   gb_s * (0.0000166667 - 0.0000133334))

    def test_markdown_has_the_prices_and_a_row_each(self):
        text = "\n".join(cost.markdown(self.rows, NAMES))
        self.assertIn(cost.PRICES["date"], text)
        for url in cost.SOURCES:
            self.assertIn(url, text)
        self.assertEqual(text.count("\n| token per "), 12)
        self.assertIn("- token per request: ours $", text)

    def test_plot_writes_a_png(self):
        try:
            import matplotlib  # noqa: F401  (a bench dependency: scripts/install-deps --bench)
        except ImportError:
            self.skipTest("python3-matplotlib is installed by scripts/install-deps --bench")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cost.png")
            cost.plot(self.rows, path, NAMES)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
