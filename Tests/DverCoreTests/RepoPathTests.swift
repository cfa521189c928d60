import DverCore
import Testing

@Suite("Repository paths")
struct RepoPathTests {
    @Test("valid paths", arguments: ["a", "a/b/c.csv", ".hidden", "a/.b", "...", "日本/語", "a b/c d", "a\\b"])
    func valid(_ path: String) throws {
        try RepoPath.validate(path)
    }

    @Test("invalid paths", arguments: ["", "/", "/a", "a/", "a//b", "..", "a/..", "../a", "a/../b", ".", "a/./b",
                                       "a\0b", String(repeating: "x", count: 1025)])
    func invalid(_ path: String) {
        #expect(decodingError { () throws(CoreError) in try RepoPath.validate(path) }?.isInvalidPath == true)
    }

    @Test("a name may be 1024 bytes but not contain a slash")
    func names() throws {
        try RepoPath.validateName(String(repeating: "é", count: 512))
        #expect(decodingError { () throws(CoreError) in try RepoPath.validateName("a/b") }?.isInvalidPath == true)
    }

    @Test("join, parent, last component")
    func pieces() {
        #expect(RepoPath.join("", "a") == "a")
        #expect(RepoPath.join("a", "") == "a")
        #expect(RepoPath.join("a/b", "c") == "a/b/c")
        #expect(RepoPath.parent("a/b/c") == "a/b")
        #expect(RepoPath.parent("a") == "")
        #expect(RepoPath.lastComponent("a/b/c") == "c")
        #expect(RepoPath.lastComponent("c") == "c")
        #expect(RepoPath.components("a/b/c") == ["a", "b", "c"])
    }

    @Test("isWithin respects component boundaries")
    func within() {
        #expect(RepoPath.isWithin("a/b", "a"))
        #expect(RepoPath.isWithin("a", "a"))
        #expect(RepoPath.isWithin("anything", ""))
        #expect(!RepoPath.isWithin("ab", "a"))
        #expect(!RepoPath.isWithin("a", "a/b"))
    }

    @Test("byte order puts uppercase before lowercase and compares UTF-8 bytes")
    func byteOrder() {
        #expect("B".precedesInByteOrder("a"))
        #expect("a".precedesInByteOrder("ab"))
        #expect("z".precedesInByteOrder("é"))
        #expect(!"a".precedesInByteOrder("a"))
    }
}
