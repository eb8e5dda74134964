// core/hook_paths: the paths a shell command line visibly writes
// (shell_writes) and the files an apply_patch patch names (patch_targets).
#include "core/hook_paths.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace aio {

void PrintTo(const WriteTarget& t, std::ostream* os) {
  *os << "[" << t.path << " | " << t.how << "]";
}

namespace {

using Targets = std::vector<WriteTarget>;

std::string show(const Targets& ts) {
  std::string s;
  for (const auto& t : ts) s += "[" + t.path + " | " + t.how + "] ";
  return s.empty() ? "(none)" : s;
}

struct ShellCase {
  const char* name;
  std::string command;
  Targets targets;
  bool complete;
};

void PrintTo(const ShellCase& c, std::ostream* os) {
  *os << c.name;
}

class ShellTable : public ::testing::TestWithParam<ShellCase> {};

TEST_P(ShellTable, Writes) {
  const ShellCase& c = GetParam();
  const ShellWrites got = shell_writes(c.command);
  EXPECT_EQ(got.targets, c.targets) << c.command << "\n got: " << show(got.targets);
  EXPECT_EQ(got.complete, c.complete) << c.command;
}

// clang-format off
const ShellCase kShell[] = {
    {"gt", "echo x > f", {{"f", ">"}}, true},
    {"append", "echo x >> f", {{"f", ">>"}}, true},
    {"gt_attached", "echo x >f", {{"f", ">"}}, true},
    {"gt_no_spaces", "echo x>f", {{"f", ">"}}, true},
    {"fd2", "make 2> err.log", {{"err.log", "2>"}}, true},
    {"fd2_attached", "make 2>err.log", {{"err.log", "2>"}}, true},
    {"fd2_append", "make 2>> e", {{"e", "2>>"}}, true},
    {"fd1_and_2", "echo x 1> a 2>> b", {{"a", "1>"}, {"b", "2>>"}}, true},
    {"amp_gt", "make &> out", {{"out", "&>"}}, true},
    {"amp_append", "make &>> out", {{"out", "&>>"}}, true},
    {"clobber", "echo x >| f", {{"f", ">|"}}, true},
    {"gt_amp_file", "make >& f", {{"f", ">&"}}, true},
    {"gt_amp_file_attached", "make >&build.log", {{"build.log", ">&"}}, true},
    {"read_write", "exec 3<> lock", {{"lock", "3<>"}}, true},
    {"dup_after", "make > f 2>&1", {{"f", ">"}}, true},
    {"dup_before", "make 2>&1 > f", {{"f", ">"}}, true},
    {"dup_only", "echo x >&2", {}, true},
    {"dup_close", "echo x 1>&-", {}, true},
    {"dup_move", "echo x 1>&3-", {}, true},
    {"dup_dynamic", "echo x >&$fd", {}, false},
    {"dev_null", "ls > /dev/null", {}, true},
    {"dev_stderr", "echo x > /dev/stderr", {}, true},
    {"dev_null_then_file", "ls 2>/dev/null >out", {{"out", ">"}}, true},
    {"no_write", "cat f", {}, true},
    {"input_only", "sort < in", {}, true},
    {"input_and_output", "sort < in > out", {{"out", ">"}}, true},
    {"here_string", "cat <<< \"x > y\"", {}, true},
    {"redirect_only", "> f", {{"f", ">"}}, true},
    {"colon", ": > f", {{"f", ">"}}, true},
    {"redirect_first", "> f echo x", {{"f", ">"}}, true},
    {"digit_word_not_fd", "echo a2>f", {{"f", ">"}}, true},
    {"quoted_digit_not_fd", "echo \"2\">f", {{"f", ">"}}, true},
    {"single_quoted_gt", "echo '>' x", {}, true},
    {"double_quoted_gt", "echo \">\" x", {}, true},
    {"escaped_gt", "echo \\> x", {}, true},
    {"gt_inside_string", "echo \"a > b\"", {}, true},
    {"grep_pattern", "grep -e '>' f", {}, true},
    {"git_message", "git commit -m 'x > y; rm z'", {}, true},
    {"comment", "echo x # > y", {}, true},
    {"comment_line", "# > x", {}, true},
    {"hash_inside_word", "echo a#b > c", {{"c", ">"}}, true},
    {"comment_after_semicolon", "rm a;# rm b", {{"a", "rm"}}, true},
    {"double_quoted_target", "echo x > \"my file\"", {{"my file", ">"}}, true},
    {"single_quoted_target", "echo x > 'a b'", {{"a b", ">"}}, true},
    {"escaped_space_target", "echo x > a\\ b", {{"a b", ">"}}, true},
    {"escaped_quote", "echo \"a\\\"b\" > f", {{"f", ">"}}, true},
    {"quote_in_quote", "echo 'it'\\''s' > f", {{"f", ">"}}, true},
    {"ansi_c_not_target", "echo $'a\\'b' > f", {{"f", ">"}}, true},
    {"ansi_c_target", "echo x > $'f'", {}, false},
    {"literal_dollar", "echo x > '$F'", {{"$F", ">"}}, true},
    {"quoted_star", "echo x > \"a*b\"", {{"a*b", ">"}}, true},
    {"tilde_inside", "echo x > a~b", {{"a~b", ">"}}, true},
    {"line_continuation", "echo a \\\n  > f", {{"f", ">"}}, true},
    {"var_target", "echo x > \"$F\"", {}, false},
    {"bare_var_target", "echo x > $F", {}, false},
    {"brace_var_target", "echo x > ${F}.log", {}, false},
    {"subst_target", "echo x > $(mktemp)", {}, false},
    {"subst_in_quotes_target", "echo x > \"$(pwd)/f\"", {}, false},
    {"backtick_target", "echo x > `mktemp`", {}, false},
    {"glob_target", "echo x > *.txt", {}, false},
    {"question_target", "echo x > f?", {}, false},
    {"bracket_target", "echo x > file[1]", {}, false},
    {"tilde_target", "echo x > ~/f", {}, false},
    {"brace_target", "echo x > {a,b}.txt", {}, false},
    {"brace_range_target", "touch f{1..3}", {}, false},
    {"var_elsewhere", "echo $HOME > f", {{"f", ">"}}, true},
    {"glob_elsewhere", "echo * > list", {{"list", ">"}}, true},
    {"empty_braces_literal", "echo {} > f", {{"f", ">"}}, true},
    {"arith_command", "(( x > 3 ))", {}, true},
    {"arith_expansion", "echo $(( 1 > 2 )) > f", {{"f", ">"}}, true},
    {"cond", "[[ a > b ]]", {}, true},
    {"cond_and", "[[ -f a && b > c ]] && echo ok > d", {{"d", ">"}}, true},
    {"cond_quoted_close", "[[ $x == \"]]\" ]] && rm a", {{"a", "rm"}}, true},
    {"test_bracket", "[ a -gt b ] && rm a", {{"a", "rm"}}, true},
    {"subst_followed", "x=$(echo hi > inner)", {{"inner", ">"}}, true},
    {"subst_in_quotes_followed", "echo \"$(rm -f gone)\"", {{"gone", "rm"}}, true},
    {"backtick_followed", "echo `rm a`", {{"a", "rm"}}, true},
    {"procsub_inputs", "diff <(sort a) <(sort b) > d", {{"d", ">"}}, true},
    {"procsub_output", "make | tee >(cat > p) > /dev/null", {{"p", ">"}}, true},
    {"procsub_as_target", "echo x > >(cat)", {}, true},
    {"subst_keeps_cwd", "cd sub && x=$(cd other; rm a) && rm b", {{"sub/other/a", "rm"}, {"sub/b", "rm"}}, true},
    {"heredoc_cat", "cat <<EOF > f\nline > notatarget\nrm x\nEOF", {{"f", ">"}}, true},
    {"heredoc_redirect_first", "cat > f <<'EOF'\n$x > y\nEOF\necho done > g", {{"f", ">"}, {"g", ">"}}, true},
    {"heredoc_dash", "cat <<-EOF > f\n\tbody > z\n\tEOF\nrm a", {{"f", ">"}, {"a", "rm"}}, true},
    {"heredoc_pipe", "cat <<EOF | tee t\n> x\nEOF", {{"t", "tee"}}, true},
    {"two_heredocs", "cat <<A <<B > f\na > 1\nA\nb > 2\nB\necho > g", {{"f", ">"}, {"g", ">"}}, true},
    {"heredoc_quoted_delim", "cat <<\"E O\" > f\nrm x\nE O\nrm y", {{"f", ">"}, {"y", "rm"}}, true},
    {"heredoc_unterminated", "cat <<EOF\n> x", {}, false},
    {"unterminated_quote", "echo 'oops > x", {}, false},
    {"missing_operand", "echo x >", {}, false},
    {"operand_is_operator", "echo x > ; rm a", {{"a", "rm"}}, false},
    {"stray_paren", "echo x > f )", {{"f", ">"}}, false},
    {"unclosed_group", "( rm a", {{"a", "rm"}}, false},
    {"semicolon", "a > f; b > g", {{"f", ">"}, {"g", ">"}}, true},
    {"and_or", "a > f && b > g || c > h", {{"f", ">"}, {"g", ">"}, {"h", ">"}}, true},
    {"pipeline", "a | tee f | b > g", {{"f", "tee"}, {"g", ">"}}, true},
    {"background", "a & b > g", {{"g", ">"}}, true},
    {"newlines", "a > f\nb > g", {{"f", ">"}, {"g", ">"}}, true},
    {"pipe_amp", "make |& tee log", {{"log", "tee"}}, true},
    {"double_semicolon_free", "rm a;rm b", {{"a", "rm"}, {"b", "rm"}}, true},
    {"assignments", "FOO=1 BAR=2 tee f", {{"f", "tee"}}, true},
    {"assignment_value", "FOO=\">x\" echo", {}, true},
    {"assignment_only", "A=b", {}, true},
    {"quoted_assignment_is_command", "\"A=b\" > f", {{"f", ">"}}, true},
    {"sudo", "sudo tee /etc/x", {{"/etc/x", "tee"}}, true},
    {"sudo_options", "sudo -u root rm -f a", {{"a", "rm"}}, true},
    {"sudo_dashdash", "sudo -- rm a", {{"a", "rm"}}, true},
    {"sudo_edit", "sudo -e a", {{"a", "sudo -e"}}, true},
    {"env_assignments", "env A=1 B=2 rm a", {{"a", "rm"}}, true},
    {"env_chdir", "env -C sub rm a", {{"sub/a", "rm"}}, true},
    {"env_split", "env -S 'rm a'", {}, false},
    {"nice", "nice -n 10 rm a", {{"a", "rm"}}, true},
    {"timeout", "timeout 5 rm a", {{"a", "rm"}}, true},
    {"timeout_options", "timeout -s KILL 5s rm a", {{"a", "rm"}}, true},
    {"command", "command rm a", {{"a", "rm"}}, true},
    {"command_v", "command -v rm", {}, true},
    {"nohup", "nohup rm a > log", {{"log", ">"}, {"a", "rm"}}, true},
    {"stacked_wrappers", "DEBUG=1 sudo -E env FOO=bar timeout 10 nice rm a", {{"a", "rm"}}, true},
    {"exec", "exec rm a", {{"a", "rm"}}, true},
    {"usr_bin_time_output", "/usr/bin/time -o t.txt rm a", {{"t.txt", "time -o"}, {"a", "rm"}}, true},
    {"path_of_command", "/bin/rm a", {{"a", "rm"}}, true},
    {"escaped_command", "\\rm a", {{"a", "rm"}}, true},
    {"dynamic_command", "\"$CMD\" a", {}, false},
    {"dynamic_command_redirect", "$EDITOR x > log", {{"log", ">"}}, false},
    {"xargs_writer", "xargs rm < list", {}, false},
    {"xargs_reader", "xargs grep x < list", {}, true},
    {"find_delete", "find . -name '*.o' -delete", {}, false},
    {"find_exec", "find . -exec rm {} +", {}, false},
    {"find_read", "find . -name x > list", {{"list", ">"}}, true},
    {"patch_command", "patch -p1 < fix.diff", {}, false},
    {"patch_dry_run", "patch --dry-run -p1 < fix.diff", {}, true},
    {"cd", "cd sub && echo x > f", {{"sub/f", ">"}}, true},
    {"cd_twice", "cd sub; cd deeper && > f", {{"sub/deeper/f", ">"}}, true},
    {"cd_absolute", "cd /abs && > f", {{"/abs/f", ">"}}, true},
    {"cd_up", "cd .. && rm f", {{"../f", "rm"}}, true},
    {"cd_dot", "cd . && rm f", {{"f", "rm"}}, true},
    {"cd_trailing_slash", "cd sub/ && > f", {{"sub/f", ">"}}, true},
    {"cd_quoted", "cd \"my dir\" && > f", {{"my dir/f", ">"}}, true},
    {"cd_options", "cd -P -- sub && > f", {{"sub/f", ">"}}, true},
    {"cd_home", "cd && > f", {}, false},
    {"cd_dash", "cd - && > f", {}, false},
    {"cd_var_then_absolute", "cd $D && > f && > /abs/g", {{"/abs/g", ">"}}, false},
    {"cd_unknown_then_known", "cd $D; cd /x; > f", {{"/x/f", ">"}}, false},
    {"cd_tilde", "cd ~/p && > f", {}, false},
    {"cd_subshell", "(cd sub && > f); > g", {{"sub/f", ">"}, {"g", ">"}}, true},
    {"cd_group", "{ cd sub; > f; }; > g", {{"sub/f", ">"}, {"sub/g", ">"}}, true},
    {"cd_group_piped", "{ cd sub; > f; } | cat; > g", {{"sub/f", ">"}, {"g", ">"}}, true},
    {"cd_pipeline", "cd sub | true; > g", {{"g", ">"}}, true},
    {"cd_background", "cd sub & > g", {{"g", ">"}}, true},
    {"cd_unknown_in_subshell", "(cd $X; > f); > g", {{"g", ">"}}, false},
    {"pushd_popd", "pushd sub && > f && popd && > g", {{"sub/f", ">"}, {"g", ">"}}, true},
    {"popd_empty", "popd; > g", {}, false},
    {"git_C", "git -C sub rm a", {{"sub/a", "git rm"}}, true},
    {"tee_files", "echo x | tee a b", {{"a", "tee"}, {"b", "tee"}}, true},
    {"tee_append", "echo x | tee -a log", {{"log", "tee"}}, true},
    {"tee_dashdash", "tee -- -x", {{"-x", "tee"}}, true},
    {"tee_nothing", "echo x | tee", {}, true},
    {"tee_stdout", "echo x | tee -", {}, true},
    {"sed_i", "sed -i 's/a/b/' f", {{"f", "sed -i"}}, true},
    {"sed_i_suffix", "sed -i.bak -e s/a/b/ f g", {{"f", "sed -i"}, {"g", "sed -i"}}, true},
    {"sed_in_place_long", "sed --in-place=.orig 's/a/b/' f", {{"f", "sed -i"}}, true},
    {"sed_not_in_place", "sed -e 's/a/b/' f", {}, true},
    {"sed_script_files", "sed -n -i -e s/x/y/ -f script.sed f", {{"f", "sed -i"}}, true},
    {"sed_cluster", "sed -Ei 's/a/b/' f", {{"f", "sed -i"}}, true},
    {"sed_ie_suffix", "sed -ie 's/a/b/' f", {{"f", "sed -i"}}, true},
    {"sed_stdout_redirect", "sed 's/a/b/' f > out", {{"out", ">"}}, true},
    {"sed_dashdash", "sed -i -- 's/a/b/' f", {{"f", "sed -i"}}, true},
    {"sed_expression_long", "sed --expression s/a/b/ -i f", {{"f", "sed -i"}}, true},
    {"sed_glob_file", "sed -i 's/a/b/' src/*.c", {}, false},
    {"perl_pi", "perl -pi -e 's/a/b/' f", {{"f", "perl -i"}}, true},
    {"perl_i_ext", "perl -i.bak -pe 's/a/b/' f g", {{"f", "perl -i"}, {"g", "perl -i"}}, true},
    {"perl_no_i", "perl -e 'print 1' f", {}, true},
    {"perl_pie", "perl -pie 's/a/b/' f", {{"f", "perl -i"}}, true},
    {"truncate", "truncate -s 0 log", {{"log", "truncate"}}, true},
    {"touch", "touch -d yesterday a b", {{"a", "touch"}, {"b", "touch"}}, true},
    {"mkdir", "mkdir -p a/b -m 755 c", {{"a/b", "mkdir"}, {"c", "mkdir"}}, true},
    {"rmdir", "rmdir d", {{"d", "rmdir"}}, true},
    {"rm_rf", "rm -rf build dist", {{"build", "rm"}, {"dist", "rm"}}, true},
    {"rm_dashdash", "rm -- -f", {{"-f", "rm"}}, true},
    {"rm_glob_and_file", "rm -f *.o build/x", {{"build/x", "rm"}}, false},
    {"unlink", "unlink f", {{"f", "unlink"}}, true},
    {"shred", "shred -u -n 3 f", {{"f", "shred"}}, true},
    {"mv", "mv a b", {{"a", "mv"}, {"b", "mv to"}}, true},
    {"mv_many", "mv -f a b c dir", {{"a", "mv"}, {"b", "mv"}, {"c", "mv"}, {"dir/a", "mv to"}, {"dir/b", "mv to"}, {"dir/c", "mv to"}}, true},
    {"mv_into_slash", "mv src/x.c lib/", {{"src/x.c", "mv"}, {"lib/x.c", "mv to"}}, true},
    {"mv_t", "mv -t dir a b", {{"a", "mv"}, {"b", "mv"}, {"dir/a", "mv to"}, {"dir/b", "mv to"}}, true},
    {"mv_target_long", "mv --target-directory=dir a", {{"a", "mv"}, {"dir/a", "mv to"}}, true},
    {"mv_T", "mv -T a b", {{"a", "mv"}, {"b", "mv to"}}, true},
    {"mv_glob_sources", "mv *.txt dir/", {}, false},
    {"cp", "cp a b", {{"b", "cp"}}, true},
    {"cp_r", "cp -r src/ dst", {{"dst", "cp"}}, true},
    {"cp_many", "cp a b dir", {{"dir/a", "cp"}, {"dir/b", "cp"}}, true},
    {"cp_t", "cp -t dir a", {{"dir/a", "cp"}}, true},
    {"cp_parents", "cp --parents a/b dir", {{"dir/a/b", "cp"}}, true},
    {"cp_one_operand", "cp a", {}, true},
    {"ln_s", "ln -s target link", {{"link", "ln"}}, true},
    {"ln_one_operand", "ln -sf ../x", {{"x", "ln"}}, true},
    {"ln_many", "ln a b dir/", {{"dir/a", "ln"}, {"dir/b", "ln"}}, true},
    {"install", "install -m 644 a /usr/local/x", {{"/usr/local/x", "install"}}, true},
    {"install_d", "install -d a b", {{"a", "install"}, {"b", "install"}}, true},
    {"dd", "dd if=/dev/zero of=disk.img bs=1M", {{"disk.img", "dd"}}, true},
    {"dd_device", "dd if=x of=/dev/sda", {}, true},
    {"git_checkout_paths", "git checkout -- a b", {{"a", "git checkout"}, {"b", "git checkout"}}, true},
    {"git_checkout_branch", "git checkout main", {}, false},
    {"git_checkout_new_branch", "git checkout -b new", {}, true},
    {"git_restore", "git restore a", {{"a", "git restore"}}, true},
    {"git_restore_staged", "git restore --staged a", {}, true},
    {"git_restore_both", "git restore -SW a", {{"a", "git restore"}}, true},
    {"git_rm_cached", "git rm --cached a", {}, true},
    {"git_rm", "git rm -r a", {{"a", "git rm"}}, true},
    {"git_mv", "git mv a b", {{"a", "git mv"}, {"b", "git mv to"}}, true},
    {"git_reset", "git reset --hard", {}, false},
    {"git_status", "git status > s", {{"s", ">"}}, true},
    {"bash_c", "bash -c 'echo x > f'", {{"f", ">"}}, true},
    {"sh_c", "sh -c \"rm a\"", {{"a", "rm"}}, true},
    {"bash_lc_cd", "bash -lc 'cd sub && rm a'", {{"sub/a", "rm"}}, true},
    {"cd_then_bash", "cd sub && bash -c 'rm a'", {{"sub/a", "rm"}}, true},
    {"bash_c_cd_stays_inside", "bash -c 'cd x' && rm a", {{"a", "rm"}}, true},
    {"bash_options", "bash -euo pipefail -c 'rm a'", {{"a", "rm"}}, true},
    {"bash_c_dynamic", "bash -c \"$CMD\"", {}, false},
    {"bash_script", "bash script.sh", {}, true},
    {"curl_pipe_sh", "curl -s x | sh", {}, false},
    {"bash_heredoc", "bash <<'EOF'\nrm a\nEOF", {{"a", "rm"}}, true},
    {"bash_here_string", "bash <<< 'rm a'", {{"a", "rm"}}, true},
    {"nested_bash", "bash -c 'bash -c \"rm a\"'", {{"a", "rm"}}, true},
    {"sudo_bash", "sudo bash -c 'echo > f'", {{"f", ">"}}, true},
    {"eval", "eval 'rm a'", {{"a", "rm"}}, true},
    {"eval_words", "eval rm a", {{"a", "rm"}}, true},
    {"eval_dynamic", "eval \"$X\"", {}, false},
    {"apply_patch_heredoc", "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: a.txt\n+hi > x\n*** End Patch\nEOF", {{"a.txt", "apply_patch add"}}, true},
    {"apply_patch_cd", "cd sub && apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: b\n@@\n-x\n+y\n*** End Patch\nEOF", {{"sub/b", "apply_patch update"}}, true},
    {"apply_patch_not_patch", "apply_patch <<EOF\nnot a patch\nEOF", {}, false},
    {"applypatch_argument", "applypatch '*** Begin Patch\n*** Delete File: d\n*** End Patch'", {{"d", "apply_patch delete"}}, true},
    {"if_body", "if [ -f a ]; then rm a; fi > log", {{"a", "rm"}, {"log", ">"}}, true},
    {"if_else", "if test -f a\nthen rm a\nelse touch b\nfi", {{"a", "rm"}, {"b", "touch"}}, true},
    {"for_dynamic", "for f in a b; do echo > $f; done", {}, false},
    {"for_list_not_command", "for f in rm a; do echo x > out; done", {{"out", ">"}}, true},
    {"for_arith", "for ((i=0; i<3; i++)); do echo $i > n; done", {{"n", ">"}}, true},
    {"while_redirect", "while read l; do rm x; done < list", {{"x", "rm"}}, true},
    {"case", "case $x in a) rm a;; esac", {}, false},
    {"case_then_more", "case $x in a) rm a;; esac; rm b", {{"b", "rm"}}, false},
    {"function_body", "f() { rm a; }; f", {{"a", "rm"}}, false},
    {"function_cd_stays", "function g { cd sub; }; > h", {{"h", ">"}}, false},
    {"group_redirect", "{ echo a; echo b; } > out", {{"out", ">"}}, true},
    {"subshell_redirect", "( echo a ) > out", {{"out", ">"}}, true},
    {"bang", "! rm a", {{"a", "rm"}}, true},
    {"time_keyword", "time -p rm a", {{"a", "rm"}}, true},
    {"array_assignment", "arr=(a > b) && rm c", {{"c", "rm"}}, true},
    {"group_cd_redirect_first", "{ cd sub; rm a; } > f", {{"sub/a", "rm"}, {"f", ">"}}, true},
    {"if_cd_redirect_first", "if cd sub; then rm a; fi > f; rm b", {{"sub/a", "rm"}, {"f", ">"}, {"sub/b", "rm"}}, true},
    {"while_piped_cd", "while cd sub; do rm a; done | cat; rm b", {{"sub/a", "rm"}, {"b", "rm"}}, true},
    {"subshell_redirect_cd", "(cd sub; rm a) > f", {{"sub/a", "rm"}, {"f", ">"}}, true},
    {"stray_fi", "fi > f", {{"f", ">"}}, false},
    {"sudo_tee_dev_null", "cat x | sudo tee /etc/hosts > /dev/null", {{"/etc/hosts", "tee"}}, true},
    {"npm_tee", "npm test 2>&1 | tee /tmp/out.log", {{"/tmp/out.log", "tee"}}, true},
    {"exec_redirect", "exec > log 2>&1", {{"log", ">"}}, true},
    {"cmd_subst_input", "x=$(< in) && echo $x > out", {{"out", ">"}}, true},
    {"many_wrappers", "sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo sudo rm a", {}, false},
    {"empty", "", {}, true},
    {"blanks", " \t\n ", {}, true},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Table, ShellTable, ::testing::ValuesIn(kShell),
                         [](const auto& info) { return std::string(info.param.name); });

// $(…) inside $(…): followed kShellMaxDepth deep, then incomplete.
std::string nested(int levels, const std::string& inner) {
  std::string s = inner;
  for (int i = 0; i < levels; ++i) s = "echo $(" + s + ")";
  return s;
}

TEST(ShellWrites, RecursionIsDepthLimited) {
  const ShellWrites deep_enough = shell_writes(nested(kShellMaxDepth, "rm a"));
  EXPECT_EQ(deep_enough.targets, (Targets{{"a", "rm"}}));
  EXPECT_TRUE(deep_enough.complete);
  const ShellWrites too_deep = shell_writes(nested(kShellMaxDepth + 1, "rm a"));
  EXPECT_TRUE(too_deep.targets.empty()) << show(too_deep.targets);
  EXPECT_FALSE(too_deep.complete);
}

// Large and pathological input: it returns, within the limits (no timing
// is asserted; the fuzz target and this test run it under the sanitizers).
TEST(ShellWrites, BoundedOnLargeInput) {
  const size_t mb = 1 << 20;
  auto rep = [&](const std::string& unit) {
    std::string s;
    while (s.size() < mb) s += unit;
    return s;
  };
  std::mt19937 rng(13);
  std::string noise(mb, '\0');
  for (char& ch : noise) ch = "ab >|&;()<$`'\"\\\n{}#*"[rng() % 21];
  const std::vector<std::string> inputs = {
      rep("$("),
      rep("("),
      rep(")"),
      rep("{ "),
      rep("(("),
      rep("'\""),
      rep("<<a "),
      rep("<<a\n"),
      rep("`"),
      rep("\\"),
      rep("${"),
      rep("cd a && "),
      rep("bash -c '"),
      rep("eval eval "),
      rep("apply_patch <<A\n"),
      rep("x=("),
      rep("[[ "),
      rep("case "),
      rep("f() "),
      rep("sudo "),
      rep("> a "),
      rep("mv a b c d "),
      noise,
  };
  for (const std::string& in : inputs) {
    const ShellWrites got = shell_writes(in);
    EXPECT_LE(got.targets.size(), kShellMaxTargets) << in.substr(0, 20);
  }
  // Each of the many targets is listed up to the limit, then it says so.
  const ShellWrites many = shell_writes(rep("> a "));
  EXPECT_EQ(many.targets.size(), kShellMaxTargets);
  EXPECT_FALSE(many.complete);
  // A long directory joined to many targets stays within a byte budget.
  const ShellWrites joined = shell_writes("cd " + std::string(mb / 2, 'd') + " && " + rep("> a "));
  EXPECT_FALSE(joined.complete);
  size_t bytes = 0;
  for (const auto& t : joined.targets) bytes += t.path.size();
  EXPECT_LE(bytes, size_t{4} << 20);
}

struct PatchCase {
  const char* name;
  std::string patch;
  Targets targets;
  std::string error;  // start of the message after "not an apply_patch patch: "; "" when ok
};

void PrintTo(const PatchCase& c, std::ostream* os) {
  *os << c.name;
}

class PatchTable : public ::testing::TestWithParam<PatchCase> {};

TEST_P(PatchTable, Targets) {
  const PatchCase& c = GetParam();
  const auto got = patch_targets(c.patch);
  if (c.error.empty()) {
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    EXPECT_EQ(*got, c.targets) << show(*got);
    return;
  }
  ASSERT_FALSE(got.is_ok()) << show(*got);
  EXPECT_EQ(got.status().code(), Code::kInvalid);
  const std::string m = got.status().message();
  EXPECT_NE(m.find(c.error), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

const std::string kAll =
    "*** Begin Patch\n"
    "*** Add File: path/add.py\n"
    "+abc\n"
    "+*** Delete File: not/a/header\n"
    "*** Delete File: path/delete.py\n"
    "*** Update File: path/update.py\n"
    "*** Move to: path/update2.py\n"
    "@@ def f():\n"
    "-    pass\n"
    "+    return 123\n"
    " *** Add File: context/not/a/header\n"
    "*** Update File: /abs/file.py\n"
    "@@\n"
    "-a\n"
    "+b\n"
    "*** End of File\n"
    "*** End Patch\n";
const Targets kAllTargets = {{"path/add.py", "apply_patch add"},
                             {"path/delete.py", "apply_patch delete"},
                             {"path/update.py", "apply_patch move"},
                             {"path/update2.py", "apply_patch move to"},
                             {"/abs/file.py", "apply_patch update"}};
const std::string kAdd = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";

const PatchCase kPatches[] = {
    {"every_kind", kAll, kAllTargets, ""},
    {"empty_patch", "*** Begin Patch\n*** End Patch", {}, ""},
    {"no_final_newline",
     "*** Begin Patch\n*** Delete File: d\n*** End Patch",
     {{"d", "apply_patch delete"}},
     ""},
    {"padded_markers",
     "\n  *** Begin Patch  \n*** Add File:  b c \n+x\n *** End Patch \n\n",
     {{" b c", "apply_patch add"}},
     ""},
    {"crlf",
     "*** Begin Patch\r\n*** Delete File: d\r\n*** End Patch\r\n",
     {{"d", "apply_patch delete"}},
     ""},
    {"header_after_update_hunk",
     "*** Begin Patch\n*** Update File: f\n@@\n+line\n*** Add File: g\n+x\n*** End Patch",
     {{"f", "apply_patch update"}, {"g", "apply_patch add"}},
     ""},
    {"update_without_hunk",
     "*** Begin Patch\n*** Update File: f\n*** Delete File: g\n*** End Patch",
     {{"f", "apply_patch update"}, {"g", "apply_patch delete"}},
     ""},
    {"update_without_at",
     "*** Begin Patch\n*** Update File: f\n import x\n+y\n*** End Patch",
     {{"f", "apply_patch update"}},
     ""},
    {"blank_lines_between",
     "*** Begin Patch\n\n*** Delete File: a\n\n*** Delete File: b\n*** End Patch",
     {{"a", "apply_patch delete"}, {"b", "apply_patch delete"}},
     ""},
    {"move_indented_is_context",
     "*** Begin Patch\n*** Update File: f\n *** Move to: g\n*** End Patch",
     {{"f", "apply_patch update"}},
     ""},
    {"move_keeps_spelling",
     "*** Begin Patch\n*** Update File: ./a\n*** Move to: ../b\n@@\n-x\n+y\n*** End Patch",
     {{"./a", "apply_patch move"}, {"../b", "apply_patch move to"}},
     ""},
    {"heredoc_argument", "<<'EOF'\n" + kAdd + "EOF\n", {{"a.txt", "apply_patch add"}}, ""},
    {"heredoc_argument_bare", "<<EOF\n" + kAdd + "EOF", {{"a.txt", "apply_patch add"}}, ""},
    {"shell_wrapped", "apply_patch <<'EOF'\n" + kAdd + "EOF\n", {{"a.txt", "apply_patch add"}}, ""},
    {"shell_wrapped_applypatch",
     "applypatch <<\"PATCH\"\n" + kAdd + "PATCH",
     {{"a.txt", "apply_patch add"}},
     ""},
    {"shell_wrapped_cd",
     "cd sub && apply_patch <<'EOF'\n" + kAll + "EOF\n",
     {{"sub/path/add.py", "apply_patch add"},
      {"sub/path/delete.py", "apply_patch delete"},
      {"sub/path/update.py", "apply_patch move"},
      {"sub/path/update2.py", "apply_patch move to"},
      {"/abs/file.py", "apply_patch update"}},
     ""},
    {"shell_wrapped_bash_lc",
     "bash -lc \"apply_patch <<'EOF'\n" + kAdd + "EOF\n\"",
     {{"a.txt", "apply_patch add"}},
     ""},
    {"empty", "", {}, "it is empty"},
    {"blank", " \n\t\n", {}, "it is empty"},
    {"not_a_patch", "hello", {}, "the first line must be '*** Begin Patch'"},
    {"shell_without_patch", "echo hi > f", {}, "the first line must be '*** Begin Patch'"},
    {"no_end",
     "*** Begin Patch\n*** Add File: a\n+x\n",
     {},
     "the last line must be '*** End Patch'"},
    {"begin_only", "*** Begin Patch", {}, "the last line must be '*** End Patch'"},
    {"bad_header",
     "*** Begin Patch\n*** Frobnicate File: a\n*** End Patch",
     {},
     "line 2: '*** Frobnicate File: a' is not a file header"},
    {"add_without_plus",
     "*** Begin Patch\n*** Add File: a\nhello\n*** End Patch",
     {},
     "line 3: 'hello' is not a file header"},
    {"header_without_path",
     "*** Begin Patch\n*** Add File: \n+x\n*** End Patch",
     {},
     "line 2: '*** Add File:' is not a file header"},
    {"move_without_path",
     "*** Begin Patch\n*** Update File: a\n*** Move to: \n*** End Patch",
     {},
     "line 3: '*** Move to:' without a path"},
    {"heredoc_wrong_inside",
     "<<'EOF'\nhello\nworld\nEOF",
     {},
     "the first line must be '*** Begin Patch'"},
    {"wrapped_broken_patch",
     "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: a\n+x\nEOF\n",
     {},
     "the last line must be '*** End Patch'"},
    {"wrapped_unknown_cd",
     "cd $D && apply_patch <<'EOF'\n" + kAdd + "EOF\n",
     {},
     "apply_patch runs where a cd that cannot be followed went"},
};

INSTANTIATE_TEST_SUITE_P(Table, PatchTable, ::testing::ValuesIn(kPatches),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PatchTargets, LargePatch) {
  std::string p = "*** Begin Patch\n";
  for (int i = 0; i < 50000; ++i) p += "*** Add File: f" + std::to_string(i) + "\n+x\n";
  p += "*** End Patch\n";
  const auto got = patch_targets(p);
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  EXPECT_EQ(got->size(), 50000u);
  EXPECT_EQ(got->back().path, "f49999");
}

}  // namespace
}  // namespace aio
