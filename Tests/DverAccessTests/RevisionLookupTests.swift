import DverAccess
import DverCore
import DverRepository
import Foundation
import Testing

/// Branches, commit ids and commit-set ids as the revisions of `dver serve` and `dver mount`.
@Suite("Access: revisions")
struct RevisionLookupTests {
    @Test("a branch, its ancestry, a commit id of 8+ hex digits and a commit-set id name commits; short ids do not")
    func forms() throws {
        let fixture = try AccessFixture(["a.txt": "one\n".bytes])
        let first = try fixture.project.resolve(RevisionSpec(parsing: "raw@main")).commit
        let second = try fixture.write(["a.txt": "two\n".bytes])
        let head = try #require(second.commits.first?.commit)
        let lookup = fixture.lookup
        #expect(try lookup.resolve(repo: "raw", revision: "main") == head)
        #expect(try lookup.resolve(repo: "raw", revision: "main~1") == first)
        #expect(try lookup.resolve(repo: "raw", revision: String(first.hex.prefix(8))) == first)
        #expect(try lookup.resolve(repo: "raw", revision: first.hex.uppercased()) == first)
        let set = try #require(second.commitSet)
        #expect(try lookup.resolve(repo: "raw", revision: String(set.hex.prefix(10))) == head)
        #expect(throws: AccessError.self) { try lookup.resolve(repo: "raw", revision: String(first.hex.prefix(6))) }
        #expect(throws: AccessError.noSuchRepo("nope")) { try lookup.resolve(repo: "nope", revision: "main") }
        #expect(throws: AccessError.self) { try lookup.resolve(repo: "raw", revision: "feature") }
        #expect(throws: AccessError.self) { try lookup.resolve(repo: "raw", revision: "main:a.txt") }
        let snapshot = try lookup.snapshot(repo: "raw", revision: String(first.hex.prefix(12)))
        #expect(snapshot.commitID == first)
    }

    @Test("paths with '..', '.' or empty components are refused, not resolved")
    func paths() throws {
        let fixture = try AccessFixture(["dir/a.txt": "one\n".bytes])
        let snapshot = try fixture.lookup.snapshot(repo: "raw", revision: "main")
        for path in ["../a.txt", "dir/../dir/a.txt", "dir//a.txt", "./dir/a.txt", "/dir/a.txt", "dir/.dver"] {
            #expect(throws: AccessError.self, "\(path)") { try snapshot.entry(at: path) }
        }
        #expect(try snapshot.entry(at: "dir/a.txt")?.size == 4)
        #expect(try snapshot.entry(at: "dir/b.txt") == nil)
        #expect(try snapshot.entry(at: "dir/a.txt/x") == nil)
    }
}
