"""Run Ralph's LRS (inside its own venv) with its file-system backend appending statements.

Ralph 5.1's file-system LRS backend writes with its data backend's default operation, CREATE, which refuses an
existing file: only the first statement of a run could be stored. Everything else is Ralph's own code: validating
each statement, refusing a duplicate id with 409, storing and answering GET /xAPI/statements.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
