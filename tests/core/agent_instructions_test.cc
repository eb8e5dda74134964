// The aio instructions block (core/agent_instructions.h): added, replaced,
// taken out again with the user's text around it kept.
#include "core/agent_instructions.h"

#include <gtest/gtest.h>

namespace aio {
namespace {

TEST(AgentInstructions, TheBlockNamesTheTool) {
  std::string b = instructions_block("gemini");
  EXPECT_EQ(b.rfind("<!-- aio:begin", 0), 0u);
  EXPECT_NE(b.find("aio register gemini --export"), std::string::npos);
  EXPECT_EQ(b.substr(b.size() - 17), "<!-- aio:end -->\n");
}

// User files, each added to and then removed from: what adding gives, and
// that removing gives the user's file back.
struct RoundCase {
  const char* what;
  std::optional<std::string> before;
  std::string added;                    // the expected text, BLOCK standing for the block
  std::optional<std::string> restored;  // what removing gives back
};

std::string expand(const std::string& s) {
  std::string out = s;
  size_t at = out.find("BLOCK");
  if (at != std::string::npos) out.replace(at, 5, instructions_block("claude"));
  return out;
}

class Round : public ::testing::TestWithParam<RoundCase> {};

TEST_P(Round, AddThenRemove) {
  const auto& c = GetParam();
  auto a = add_instructions(c.before, "claude", "CLAUDE.md");
  ASSERT_TRUE(a) << a.status().message();
  EXPECT_EQ(a->text, expand(c.added)) << c.what;
  EXPECT_FALSE(a->had_block);
  auto again = add_instructions(a->text, "claude", "CLAUDE.md");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->text, a->text) << c.what << ": adding twice";
  EXPECT_TRUE(again->had_block);
  auto r = remove_instructions(a->text, "CLAUDE.md");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(*r, c.restored) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Round,
    ::testing::Values(RoundCase{"no file", std::nullopt, "BLOCK", std::nullopt},
                      RoundCase{"an empty file", std::string(""), "BLOCK", std::nullopt},
                      RoundCase{"text ending in a newline", std::string("# Mine\n\nRules.\n"),
                                "# Mine\n\nRules.\n\nBLOCK", std::string("# Mine\n\nRules.\n")},
                      RoundCase{"text ending in a blank line", std::string("# Mine\n\n"),
                                "# Mine\n\n\nBLOCK", std::string("# Mine\n\n")},
                      RoundCase{"text without a final newline (gains one)", std::string("# Mine"),
                                "# Mine\n\nBLOCK", std::string("# Mine\n")}));

TEST(AgentInstructions, ReplacesTheBlockWhereItStands) {
  std::string edited = "top\n\n<!-- aio:begin old -->\nstale\n<!-- aio:end -->\nafter\n";
  auto a = add_instructions(edited, "codex", "AGENTS.md");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->had_block);
  EXPECT_EQ(a->text, "top\n\n" + instructions_block("codex") + "after\n");
  // Text after the block: removing leaves the text on both sides.
  auto r = remove_instructions(a->text, "AGENTS.md");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value_or(""), "top\n\nafter\n");
}

TEST(AgentInstructions, AFileWithoutABlockIsLeftAsItIs) {
  auto r = remove_instructions(std::string("mine, no newline"), "GEMINI.md");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value_or(""), "mine, no newline");
  auto none = remove_instructions(std::nullopt, "GEMINI.md");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

struct MarkerCase {
  const char* text;
  const char* error;
};

class BadMarkers : public ::testing::TestWithParam<MarkerCase> {};

TEST_P(BadMarkers, AreRefusedBothWays) {
  const auto& c = GetParam();
  auto a = add_instructions(std::string(c.text), "claude", "CLAUDE.md");
  auto r = remove_instructions(std::string(c.text), "CLAUDE.md");
  for (const Status& s : {a.status(), r.status()}) {
    ASSERT_FALSE(s.is_ok()) << c.text;
    EXPECT_EQ(s.code(), Code::kInvalid);
    EXPECT_EQ(s.message(), std::string("CLAUDE.md ") + c.error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadMarkers,
    ::testing::Values(
        MarkerCase{"x\n<!-- aio:end -->\n", "has an aio end marker without a begin marker"},
        MarkerCase{"<!-- aio:begin\nx\n", "has an aio begin marker without `<!-- aio:end -->`"},
        MarkerCase{"<!-- aio:begin -->\n<!-- aio:end -->\n<!-- aio:begin -->\n<!-- aio:end -->\n",
                   "has more than one aio block"}));

}  // namespace
}  // namespace aio
