"""The openai engine: any OpenAI-compatible endpoint through the openai client and instructor.

The only package that imports openai and instructor. Importing it is light; `engine` (and so
openai and instructor) loads when the Assistant picks this engine.

    engine.py       OpenAIEngine: requests, re-asks, cache policy
    settings.py     endpoint, key, model, mode, timeouts from arguments and the environment
    schemas.py      the response models instructor parses into, with the guards as validators
    transport.py    sending a chat request; reading a failed attempt
    parsing.py      the one override of instructor's JSON reading, and why
    retries.py      the network retry budget and the re-ask policy
    limiter.py      adaptive concurrency on HTTP 429
    ratelimit.py    pacing to the provider's tokens/requests per minute; waiting out a 429
    batch_api.py    the OpenAI Batch API: collect a run's requests, submit them, answer from the job
    failures.py     endpoint errors as one line, with secrets redacted
    prompts.py      the prompt files (prompts/*.md) and their versions
    request_key.py  one key for the cache and the recordings
    cache.py        the response cache
    recording.py    record/replay as an HTTP transport
"""
