import DverCore
import Testing

@Suite("Path patterns (gitignore syntax)")
struct PathPatternTests {
    @Test("matching", arguments: [
        ("*.csv", "a.csv", false, true), ("*.csv", "sub/dir/a.csv", false, true), ("*.csv", "a.csv.bak", false, false),
        ("/top.txt", "top.txt", false, true), ("/top.txt", "sub/top.txt", false, false),
        ("logs/", "logs", true, true), ("logs/", "logs", false, false), ("logs/", "a/logs", true, true),
        ("labels/**", "labels/a/b.json", false, true), ("labels/**", "labels", true, false),
        ("**/tmp", "a/b/tmp", true, true), ("**/tmp", "tmp", true, true), ("a/**/b", "a/b", false, true), ("a/**/b", "a/x/y/b", false, true),
        ("a/*/c", "a/b/c", false, true), ("a/*/c", "a/b/x/c", false, false),
        ("file?.txt", "file1.txt", false, true), ("file?.txt", "file10.txt", false, false),
        ("[abc].txt", "b.txt", false, true), ("[!abc].txt", "b.txt", false, false), ("[a-c].txt", "c.txt", false, true),
        ("\\#hash", "#hash", false, true), ("\\!bang", "!bang", false, true), ("*~", "notes.txt~", false, true),
        ("doc/*.md", "doc/a.md", false, true), ("doc/*.md", "x/doc/a.md", false, false),
    ] as [(String, String, Bool, Bool)])
    func matches(pattern: String, path: String, isDirectory: Bool, expected: Bool) throws {
        let compiled = try #require(PathPattern(pattern))
        #expect(compiled.matches(path, isDirectory: isDirectory) == expected)
    }

    @Test("comments and blank lines are not patterns; negation; the last match decides")
    func lists() {
        #expect(PathPattern("# comment") == nil && PathPattern("   ") == nil && PathPattern("") == nil)
        let list = PathPatternList(text: "*.tmp\n# keep this one\n!keep.tmp\n\nbuild/\n")
        #expect(list.decision("a.tmp", isDirectory: false) == true)
        #expect(list.decision("keep.tmp", isDirectory: false) == false)
        #expect(list.decision("build", isDirectory: true) == true)
        #expect(list.decision("src.c", isDirectory: false) == nil)
    }
}
