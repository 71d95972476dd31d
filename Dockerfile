# Build a static binary (no cgo: the SQLite driver is pure Go) and run it
# as a non-root user on a minimal image. .dockerignore keeps ./data (the
# secret key, a SQLite file of personal data) and .git out of the build.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /plaudit ./cmd/plaudit
# The data folder, owned by distroless's nonroot user (65532), so that a
# plain `docker run` on SQLite can write its database and generated
# secrets there (a named volume takes the owner from the image).
RUN mkdir -p /out/data && chown 65532:65532 /out/data && chmod 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /plaudit /plaudit
COPY --from=build --chown=65532:65532 /out/data /data
ENV PLAUDIT_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
# No shell or curl in the image: the binary asks its own /readyz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/plaudit", "healthcheck"]
ENTRYPOINT ["/plaudit"]
CMD ["serve"]
