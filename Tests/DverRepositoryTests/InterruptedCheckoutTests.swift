import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

/// A checkout killed part-way leaves `.dver/checkout.json` and a workspace mixing two commits.
/// These tests build that state by hand (the CLI crash tests make it with SIGKILL) and check
/// that the next checkout finishes without `--force` while real edits stay protected.
@Suite("interrupted checkout: resumable without --force")
struct InterruptedCheckoutTests {
    /// Commits A (a, b, c, d) and B (a changed, b deleted, c kept, e added), checked out at A.
    final class Fixture {
        let ws: Workspace
        let a: ObjectID
        let b: ObjectID

        init() throws {
            ws = try Workspace.make(["data/raw/a.csv": "a1\n", "data/raw/b.csv": "b1\n", "data/raw/c.csv": "c1\n",
                                     "data/raw/d/x.csv": "x1\n"])
            try ws.add("data/raw")
            a = try ws.commit("A").commits[0].commit
            try ws.write("data/raw/a.csv", "a2\n")
            try ws.delete("data/raw/b.csv")
            try ws.write("data/raw/e/new.csv", "e2\n")
            try ws.add("data/raw")
            b = try ws.commit("B").commits[0].commit
            try ws.checkout("raw@\(a.hex)")
        }

        /// What a checkout from A to B killed after writing `a` and `e/new.csv` and deleting `b`
        /// leaves: those files switched, the index and repo list still at A, the intent on disk.
        func interruptHalfway() throws {
            let intent = """
            {"repos": {"raw": {"branch": "main", "sides": ["\(a.hex)", "\(b.hex)"], "to": "\(b.hex)"}}, "version": 1}
            """
            try FileSystem.writeAtomically(ws.project.layout.storeDirectory + "/checkout.json", text: intent, durable: false)
            try ws.write("data/raw/a.csv", "a2\n")
            try ws.delete("data/raw/b.csv")
            try ws.write("data/raw/e/new.csv", "e2\n")
        }

        func contents() throws -> [String: String] {
            var result = [String: String]()
            for file in try WorkspaceFilesList.files(ws.root + "/data/raw") {
                result[file] = try ws.text("data/raw/" + file)
            }
            return result
        }
    }

    @Test("the rerun finishes the switch without --force")
    func rerunFinishes() throws {
        let fixture = try Fixture()
        try fixture.interruptHalfway()
        let status = try fixture.ws.status("raw")
        #expect(status.interruptedCheckout?.to == fixture.b.hex)
        #expect(!status.isClean)
        try fixture.ws.checkout("raw@main")
        #expect(try fixture.contents() == ["a.csv": "a2\n", "c.csv": "c1\n", "d/x.csv": "x1\n", "e/new.csv": "e2\n"])
        #expect(try fixture.ws.status("raw").isClean)
        #expect(!FileSystem.exists(fixture.ws.project.layout.storeDirectory + "/checkout.json"))
    }

    @Test("going back to the starting commit also works without --force and removes what was written")
    func goBack() throws {
        let fixture = try Fixture()
        try fixture.interruptHalfway()
        try fixture.ws.checkout("raw@\(fixture.a.hex)")
        #expect(try fixture.contents() == ["a.csv": "a1\n", "b.csv": "b1\n", "c.csv": "c1\n", "d/x.csv": "x1\n"])
        #expect(try fixture.ws.status("raw").isClean)
    }

    @Test("add and commit refuse while a checkout is unfinished")
    func addAndCommitRefuse() throws {
        let fixture = try Fixture()
        try fixture.interruptHalfway()
        for body in [{ _ = try fixture.ws.add("data/raw") }, { _ = try fixture.ws.commit("mixed") }] as [() throws -> Void] {
            expectThrows(body) { (error: RepositoryError) in
                if case .checkoutInterrupted(let repo, _, _) = error { repo } else { nil }
            }
        }
    }

    @Test("a real edit is still protected: kept when the switch leaves the file alone, refused when it changes it")
    func realEdits() throws {
        let fixture = try Fixture()
        try fixture.interruptHalfway()
        try fixture.ws.write("data/raw/c.csv", "my edit\n")         // B keeps c: carried over
        try fixture.ws.checkout("raw@main")
        #expect(try fixture.ws.text("data/raw/c.csv") == "my edit\n")

        let other = try Fixture()
        try other.interruptHalfway()
        try other.ws.write("data/raw/a.csv", "my edit\n")           // neither A's nor B's version
        expectThrows({ try other.ws.checkout("raw@main") }) { (error: RepositoryError) in
            if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        #expect(try other.ws.text("data/raw/a.csv") == "my edit\n")
    }

    @Test("a refused checkout records no intent")
    func refusedLeavesNoIntent() throws {
        let fixture = try Fixture()
        try fixture.ws.write("data/raw/a.csv", "edited\n")
        expectThrows({ try fixture.ws.checkout("raw@main") }) { (error: RepositoryError) in
            if case .uncommittedChanges = error { true } else { nil }
        }
        #expect(!FileSystem.exists(fixture.ws.project.layout.storeDirectory + "/checkout.json"))
        try fixture.ws.add("data/raw")
    }
}

/// Relative paths of the regular files beneath a directory, sorted.
enum WorkspaceFilesList {
    static func files(_ directory: String, prefix: String = "") throws -> [String] {
        var result = [String]()
        for entry in try FileSystem.list(directory) {
            let path = prefix.isEmpty ? entry.name : "\(prefix)/\(entry.name)"
            if FileSystem.isDirectory("\(directory)/\(entry.name)") {
                result += try files("\(directory)/\(entry.name)", prefix: path)
            } else {
                result.append(path)
            }
        }
        return result.sorted()
    }
}
