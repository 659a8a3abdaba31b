// What the actions/github-script blocks of the BTCDecoded repositories ran,
// as a plain Node.js program with @octokit/rest, for scripts/compare.sh.
// github-script hands a script an authenticated Octokit (`github`) and the
// run's context; here both come from the environment:
//   GITHUB_API_URL  API base, https://HOST/api/v3 for GitHub Enterprise Server
//   GITHUB_TOKEN    token
//   GITHUB_SHA, GITHUB_REF  the commit and ref of the run
//
//   node octokit.js dispatch                 createDispatchEvent, as trigger-orchestrator did
//   node octokit.js prerelease TAG DIR       createRelease, then uploadReleaseAsset per file of DIR
//   node octokit.js check-release TAG N SIZE exits 1 unless TAG is a published prerelease
//                                            with N uploaded assets of SIZE bytes (not timed)
'use strict';

const fs = require('fs');
const path = require('path');
const { Octokit } = require('@octokit/rest');

const owner = 'BTCDecoded';
const repo = 'bllvm';

const github = new Octokit({
  auth: process.env.GITHUB_TOKEN,
  baseUrl: process.env.GITHUB_API_URL,
});
const context = { sha: process.env.GITHUB_SHA, ref: process.env.GITHUB_REF };

async function dispatch() {
  // The block from the README's "Before", verbatim but for the context.
  await github.rest.repos.createDispatchEvent({
    owner: 'BTCDecoded',
    repo: 'bllvm',
    event_type: 'build_consensus',
    client_payload: {
      ref: context.ref,
      sha: context.sha,
      repo: 'bllvm-consensus',
    },
  });
}

async function prerelease(tag, dir) {
  const { data: release } = await github.rest.repos.createRelease({
    owner,
    repo,
    tag_name: tag,
    target_commitish: context.sha,
    name: tag,
    prerelease: true,
  });
  // One file after the other, each read whole into memory, as github-script
  // users write it. The upload URL comes from the release: the endpoint's
  // default base is uploads.github.com, wrong for any other host.
  for (const name of fs.readdirSync(dir).sort()) {
    const data = fs.readFileSync(path.join(dir, name));
    await github.rest.repos.uploadReleaseAsset({
      url: release.upload_url,
      owner,
      repo,
      release_id: release.id,
      name,
      data,
      headers: { 'content-type': 'application/octet-stream', 'content-length': data.length },
    });
  }
}

async function checkRelease(tag, count, size) {
  const { data: release } = await github.rest.repos.getReleaseByTag({ owner, repo, tag });
  const complete = release.assets.filter((a) => a.state === 'uploaded' && a.size === size);
  if (release.draft || !release.prerelease || release.assets.length !== count || complete.length !== count) {
    throw new Error(
      `release ${tag}: draft=${release.draft} prerelease=${release.prerelease}, ` +
        `${complete.length} of ${release.assets.length} assets uploaded at ${size} bytes, want ${count}`,
    );
  }
}

async function main(args) {
  switch (args[0]) {
    case 'dispatch':
      return dispatch();
    case 'prerelease':
      return prerelease(args[1], args[2]);
    case 'check-release':
      return checkRelease(args[1], Number(args[2]), Number(args[3]));
    default:
      throw new Error(`unknown command ${JSON.stringify(args[0])}: want dispatch, prerelease or check-release`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`octokit.js: ${err.message}`);
  process.exit(1);
});
