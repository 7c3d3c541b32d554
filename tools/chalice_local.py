"""``chalice local``, with boto3 imported whole before it serves a request.

Its server answers each request on a thread of its own, and the app imports boto3 on
first use. Two first requests that import it at once meet boto3's circular imports half
done (``cannot import name 'Session' from partially initialized module 'boto3.session'``)
and answer 500. Lambda gives a container one request at a time, so only the local server
needs this; the Lambda's cold start keeps boto3 off the paths that make no AWS call.
"""

import sys

import boto3  # noqa: F401 (imported here, on one thread, for the reason above)
from chalice.cli import main

if __name__ == "__main__":
    sys.exit(main())
