@testable import DverPipeline
import Testing

@Suite("Glob patterns")
struct GlobPatternTests {
    @Test("matching", arguments: [
        ("/*", "/a.csv", true), ("/*", "/dir", true), ("/*", "/dir/a.csv", false),
        ("/*/*", "/dir/a.csv", true), ("/*.csv", "/a.csv", true), ("/*.csv", "/a.txt", false),
        ("/**", "/a/b/c", true), ("/**/*.csv", "/a/b/c.csv", true), ("/**/*.csv", "/a/b/c.txt", false),
        ("/?.txt", "/a.txt", true), ("/?.txt", "/ab.txt", false),
        ("/[a-c]*", "/b1", true), ("/[a-c]*", "/d1", false), ("/[!a]*", "/a1", false), ("/[!a]*", "/b1", true),
        ("/", "/", true), ("/data/\\*", "/data/*", true), ("/data/\\*", "/data/x", false),
    ] as [(String, String, Bool)])
    func matching(pattern: String, path: String, matches: Bool) throws {
        #expect((try GlobPattern(pattern).match(path) != nil) == matches)
    }

    @Test("capture groups feed join keys")
    func captures() throws {
        let glob = try GlobPattern("/(*)-(*).csv")
        #expect(glob.match("/2024-jan.csv") == ["2024", "jan"])
        #expect(DatumEnumerator.joinKey("$2/$1", captures: ["2024", "jan"]) == "jan/2024")
        #expect(try GlobPattern("/*/(*)").match("/x/y") == ["y"])
    }

    @Test("depth limits the tree walk unless ** is used")
    func depth() throws {
        #expect(try GlobPattern("/*").maximumDepth == 1)
        #expect(try GlobPattern("/*/*.csv").maximumDepth == 2)
        #expect(try GlobPattern("/**").maximumDepth == nil)
    }

    @Test("bad patterns", arguments: ["*", "/(*", "/*)", "/[abc", "/a\\"])
    func bad(pattern: String) {
        #expect(throws: GlobPattern.Problem.self) { try GlobPattern(pattern) }
    }
}
