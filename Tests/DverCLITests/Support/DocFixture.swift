/// A named set-up a documentation block asks for with `<!-- doc-test: setup NAME… -->`: shell
/// commands sourced (under `set -e`) in the block's fresh directory before it, in the order
/// named. Each stands for what a reader of that block is assumed to have already; keep them
/// short. `$DOC_TEST_ROOT` is the package root (for files such as the Pachyderm corpus).
struct DocFixture: Sendable {
    var name: String
    /// What the reader is assumed to have.
    var summary: String
    /// Commands the fixture needs besides bash, coreutils and dver (its blocks are skipped without them).
    var tools: [String] = []
    var script: String

    static let all: [DocFixture] = [
        DocFixture(name: "raw-repo", summary: "a dver project (no git) whose repo raw at data/raw has one commit", script: #"""
            dver init -q
            mkdir -p data/raw/images/cats
            printf '1,2\n3,4\n' > data/raw/a.csv
            printf 'cat 1\n' > data/raw/images/cats/1.txt
            dver add -q data/raw && dver commit -q -m "first drop"
            """#),
        DocFixture(name: "git-data", summary: "a git working tree on branch main with dver initialized and data in data/raw, "
                   + "not yet added", tools: ["git"], script: #"""
            git init -q -b main && dver init -q
            mkdir -p data/raw
            printf '1,2\n3,4\n' > data/raw/a.csv
            """#),
        DocFixture(name: "git-upstream", summary: "a project that uses dver, published: its git repository at "
                   + "project.git (branch main; hooks installed, data committed and pinned) and its data on the "
                   + "directory remote data-remote, pushed by git push's pre-push hook", tools: ["git"], script: #"""
            mkdir upstream && cd upstream
            git init -q -b main && dver init -q && dver hooks install -q
            dver remote add -q origin ../data-remote
            mkdir -p data/raw && printf '1,2\n3,4\n' > data/raw/a.csv
            dver add -q data/raw && dver commit -q -m "first drop"
            git add -A && git commit -q -m "train v1"
            git init -q --bare -b main ../project.git && git remote add origin ../project.git
            git push -q origin main
            cd ..
            """#),
        DocFixture(name: "readme-pipelines", summary: "after raw-repo: a committed repo documents, "
                   + "pipelines/rows.yaml (local runtime) and Pachyderm's word count example as word_count.json",
                   script: #"""
            mkdir -p data/documents pipelines
            printf 'the cat and the hat\n' > data/documents/a.txt
            dver add -q data/documents && dver commit -q -m "documents"
            cat > pipelines/rows.yaml <<'EOF'
            pipeline: {name: rows}
            input: {pfs: {repo: raw, glob: "/*.csv"}}
            transform:
              cmd: [sh, -c, 'wc -l < "$DVER_INPUT_RAW" > "$DVER_OUTPUT/$(basename "$DVER_INPUT_RAW")"']
            runtime: local
            EOF
            cp "$DOC_TEST_ROOT/Tests/Corpus/pachyderm/word_count.pipeline.json" word_count.json
            """#),
    ]
}
