import Testing

/// How the doc test finds code blocks and reads their markers (README.md, "Docs are tested").
@Suite("docs: finding blocks and markers")
struct DocumentBlocksTests {
    static func parse(_ text: String) -> DocumentBlocks { DocumentBlocks(text: text, file: "x.md") }

    @Test("indented blocks, with the marker before them; blocks inside list items lose their indentation")
    func indentedBlocks() {
        let document = Self.parse("""
            Text.

            <!-- doc-test: run -->

                dver init
                dver add data/raw   # a comment

                dver status

            - an item

              <!-- doc-test: not shell (YAML) -->

                  input:
                    pfs: {repo: raw}
            """)
        #expect(document.problems.isEmpty)
        #expect(document.blocks.map(\.line) == [5, 14])
        #expect(document.blocks[0].code == ["dver init", "dver add data/raw   # a comment", "", "dver status"])
        #expect(document.blocks[0].marker == .run)
        #expect(document.blocks[1].code == ["input:", "  pfs: {repo: raw}"])
        #expect(document.blocks[1].marker == .notShell("YAML"))
    }

    @Test("an indented line right after a paragraph line continues the paragraph; fenced blocks keep their language")
    func fencesAndLazyLines() {
        let document = Self.parse("""
            A paragraph
                still the paragraph

            ```yaml
            pipeline: {name: x}
                indented: inside the fence
            ```
            """)
        #expect(document.problems.isEmpty)
        #expect(document.blocks.count == 1)
        #expect(document.blocks[0].fencedLanguage == "yaml" && document.blocks[0].line == 5)
        #expect(document.blocks[0].code == ["pipeline: {name: x}", "    indented: inside the fence"])
    }

    @Test("markers", arguments: [
        ("<!-- doc-test: run -->", DocMarker.run),
        ("<!-- doc-test: setup raw-repo git-data -->", .setup(["raw-repo", "git-data"])),
        ("  <!-- doc-test: continue -->", .continue),
        ("<!-- doc-test: skip (needs a Kubernetes cluster) -->", .skip("needs a Kubernetes cluster")),
        ("<!-- doc-test: not shell (a dver.lock file) -->", .notShell("a dver.lock file")),
    ])
    func markers(line: String, marker: DocMarker) throws {
        let parsed = try #require(DocMarker.parse(Substring(line)))
        #expect(try parsed.get() == marker)
    }

    @Test("bad markers are problems", arguments: [
        "<!-- doc-test: skip -->", "<!-- doc-test: skip () -->", "<!-- doc-test: not shell -->",
        "<!-- doc-test: setup -->", "<!-- doc-test: run later -->", "<!-- doc-test: runs -->", "<!-- doc-test: run",
    ])
    func badMarkers(line: String) {
        let document = Self.parse(line + "\n\n    dver init\n")
        #expect(document.problems.contains { if case .badMarker = $0.kind { true } else { false } }, "\(line)")
    }

    @Test("a marker followed by text instead of a block is a problem")
    func orphanMarker() {
        let document = Self.parse("<!-- doc-test: run -->\n\nSome text.\n\n    dver init\n")
        #expect(document.problems.map(\.kind) == [.orphanMarker])
        #expect(document.blocks.first?.marker == nil)
    }

    @Test("the set: unmarked blocks and bare fences fail, sh fences run, continue joins the previous script")
    func classification() {
        var set = DocumentationSet()
        set.add(Self.parse("""
            ```sh
            dver init
            ```

                dver status

            ```
            bare
            ```

            <!-- doc-test: continue -->

                dver log

            ```json
            {}
            ```
            """))
        #expect(set.problems.map(\.kind) == [.unmarked, .unmarked])
        #expect(set.scripts.count == 1)
        #expect(set.scripts.first?.blocks.map(\.line) == [2, 13])
    }

    @Test("continue with nothing to continue, and unknown fixtures, are problems")
    func continueAndFixtures() {
        var set = DocumentationSet()
        set.add(Self.parse("<!-- doc-test: continue -->\n\n    dver log\n\n<!-- doc-test: setup nonesuch -->\n\n    dver init\n"))
        #expect(set.problems.map(\.kind) == [.continueWithoutPredecessor, .unknownFixture("nonesuch")])
    }

    @Test("tools a block calls are recognized at the start of a command")
    func tools() {
        let block = DocBlock(file: "x.md", line: 1, code: ["git init && dver init", "echo digit", "x=$(podman images)"],
                             fenceInfo: nil, marker: .run)
        #expect(DocScript(fixtures: [], blocks: [block]).tools == ["git", "podman"])
    }
}
