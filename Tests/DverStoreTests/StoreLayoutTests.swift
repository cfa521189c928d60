import DverStore
import DverSystem
import Testing

@Suite("Store layout")
struct StoreLayoutTests {
    @Test("create writes the format file and every directory")
    func create() throws {
        let fixture = try TemporaryStore()
        let layout = fixture.layout
        #expect(try FileSystem.readText(layout.formatFile) == "dver store format 1\n")
        for directory in [layout.packsDirectory, layout.refsDirectory, layout.commitSetsDirectory,
                          layout.locksDirectory, layout.temporaryDirectory] {
            #expect(FileSystem.isDirectory(directory), "\(directory)")
        }
        try layout.validate()
    }

    @Test("a directory without a store is notAStore")
    func notAStore() throws {
        let fixture = try TemporaryStore()
        let elsewhere = StoreLayout(root: fixture.root + "/elsewhere")
        guard case .notAStore = storeError({ try elsewhere.validate() }) else {
            Issue.record("expected notAStore"); return
        }
    }

    @Test("a newer format version is newerFormat")
    func newerFormat() throws {
        let fixture = try TemporaryStore()
        try FileSystem.writeAtomically(fixture.layout.formatFile, text: "dver store format 2\n", durable: false)
        guard case .newerFormat(_, version: 2, supported: 1) = storeError({ try fixture.layout.validate() }) else {
            Issue.record("expected newerFormat"); return
        }
        #expect(storeError { _ = try RefStoreOpener.open(fixture.layout) } != nil)
    }

    @Test("an unrecognized format file is refused")
    func garbage() throws {
        let fixture = try TemporaryStore()
        try FileSystem.writeAtomically(fixture.layout.formatFile, text: "hello\n", durable: false)
        #expect(storeError { try fixture.layout.validate() } != nil)
    }

    @Test("discover walks up from a subdirectory")
    func discover() throws {
        let fixture = try TemporaryStore()
        let nested = fixture.root + "/data/raw/deep"
        try FileSystem.createDirectories(nested)
        #expect(StoreLayout.discover(from: nested)?.root == fixture.root)
        #expect(StoreLayout.discover(from: fixture.root)?.root == fixture.root)
    }
}

/// What a command does before touching a store: validate, then open.
enum RefStoreOpener {
    static func open(_ layout: StoreLayout) throws -> ObjectStore {
        try layout.validate()
        return try ObjectStore(layout: layout)
    }
}
