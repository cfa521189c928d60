import DverCore
@testable import DverGit
import Testing

@Suite("dver.lock three-way merge")
struct LockMergeTests {
    static func id(_ byte: String) -> ObjectID { ObjectID(hex: String(repeating: byte, count: 32))! }
    static func entry(_ repo: String, _ commit: String, branch: String? = "main") -> LockFile.Entry {
        .init(repo: repo, branch: branch, commit: id(commit), path: "data/\(repo)")
    }
    static func never(_: LockFile.Entry, _: LockFile.Entry) -> Bool { false }

    @Test("repos changed on different sides merge cleanly")
    func differentRepos() throws {
        let base = LockFile(entries: [Self.entry("raw", "01"), Self.entry("labels", "02")])
        let ours = LockFile(entries: [Self.entry("raw", "03"), Self.entry("labels", "02")])
        let theirs = LockFile(entries: [Self.entry("raw", "01"), Self.entry("labels", "04"), Self.entry("new", "05")])
        let result = LockMerge.merge(base: base, ours: ours, theirs: theirs, descends: Self.never)
        #expect(result.conflicts.isEmpty)
        #expect(result.merged == LockFile(entries: [Self.entry("raw", "03"), Self.entry("labels", "04"), Self.entry("new", "05")]))
        #expect(try LockFile.parse(result.text) == result.merged)
    }

    @Test("a deletion on one side wins over an unchanged other side; equal changes agree")
    func deletionAndAgreement() {
        let base = LockFile(entries: [Self.entry("raw", "01"), Self.entry("old", "02")])
        let ours = LockFile(entries: [Self.entry("raw", "03")])
        let theirs = LockFile(entries: [Self.entry("raw", "03"), Self.entry("old", "02")])
        let result = LockMerge.merge(base: base, ours: ours, theirs: theirs, descends: Self.never)
        #expect(result.conflicts.isEmpty)
        #expect(result.merged.entries == [Self.entry("raw", "03")])
    }

    @Test("the same repo changed differently on both sides is a conflict with markers")
    func conflict() {
        let base = LockFile(entries: [Self.entry("raw", "01")])
        let ours = LockFile(entries: [Self.entry("raw", "02")])
        let theirs = LockFile(entries: [Self.entry("raw", "03")])
        let result = LockMerge.merge(base: base, ours: ours, theirs: theirs, descends: Self.never)
        #expect(result.conflicts.map(\.repo) == ["raw"])
        #expect(result.text.contains("<<<<<<< ours\nraw main \(Self.id("02").hex) data/raw\n=======\nraw main \(Self.id("03").hex)"))
        #expect(throws: GitError.self) { try LockFile.parse(result.text) }
    }

    @Test("when one side's data commit descends from the other's, it wins")
    func fastForward() {
        let base = LockFile(entries: [Self.entry("raw", "01")])
        let ours = LockFile(entries: [Self.entry("raw", "02")])
        let theirs = LockFile(entries: [Self.entry("raw", "03")])
        let result = LockMerge.merge(base: base, ours: ours, theirs: theirs) { newer, older in
            newer.commit == Self.id("03") && older.commit == Self.id("02")
        }
        #expect(result.conflicts.isEmpty)
        #expect(result.merged.entries == [Self.entry("raw", "03")])
    }
}
